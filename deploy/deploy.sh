#!/usr/bin/env bash
# Deploys imgmeta to AWS with one command, on the AWS CLI (v1 or v2); docs/deploy.md.
#
#   deploy/deploy.sh [deploy] [options]    build, upload, create or update the stack, publish the site
#   deploy/deploy.sh destroy [options]     empty the buckets and delete everything deploy made
#   deploy/deploy.sh redrive [options]     send the events waiting in the extractor's DLQ back to it
#
# Options:
#   --stack-name NAME     1-20 characters of [a-z0-9-], starting with a letter (default: imgmeta)
#   --profile NAME        AWS CLI profile
#   --region REGION       AWS region (default: the profile's, else us-east-1)
#   --endpoint-url URL    send every AWS call there (moto_server and other local endpoints)
#   --email ADDRESS       subscribe this address to the alarm topic (it must confirm)
#   --param KEY=VALUE     set a template parameter (repeatable; e.g. ExtractorMemorySize=256)
#   --binary PATH         the imgmeta binary to package (default: package-lambda.sh builds release)
#   --web-dist DIR        publish this already built web app instead of building web/
#   --skip-web-build      publish web/dist as it is (no npm ci / npm run build)
#   --yes                 do not ask before destroying
#
# Idempotent: running deploy again with nothing changed changes nothing (the change set is
# empty, the zip is not re-uploaded) but republishes the site. Every name derives from the
# stack name, so several stacks live side by side in one account.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

action=deploy stack=imgmeta profile="" region="" endpoint="" email="" yes=0
binary="" web_dist="" skip_web_build=0
params=()
die() { echo "deploy.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }

if [ $# -gt 0 ] && [[ $1 != -* ]]; then action=$1; shift; fi
while [ $# -gt 0 ]; do
  case $1 in
    --stack-name) need_arg "$@"; stack=$2; shift 2 ;;
    --profile) need_arg "$@"; profile=$2; shift 2 ;;
    --region) need_arg "$@"; region=$2; shift 2 ;;
    --endpoint-url) need_arg "$@"; endpoint=${2%/}; shift 2 ;;
    --email) need_arg "$@"; email=$2; shift 2 ;;
    --param) need_arg "$@"; [[ $2 == *=* ]] || die "--param wants KEY=VALUE, got $2"; params+=("$2"); shift 2 ;;
    --binary) need_arg "$@"; binary=$2; shift 2 ;;
    --web-dist) need_arg "$@"; web_dist=$2; shift 2 ;;
    --skip-web-build) skip_web_build=1; shift ;;
    --yes|-y) yes=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case $action in deploy|destroy|redrive) ;; *) die "unknown command $action (deploy, destroy or redrive)" ;; esac
[[ $stack =~ ^[a-z][a-z0-9-]{0,19}$ ]] || die "--stack-name must be 1-20 characters of [a-z0-9-] starting with a letter (it names the S3 buckets)"
command -v aws >/dev/null || die "the AWS CLI (aws) is required"

aws_args=()
[ -n "$profile" ] && aws_args+=(--profile "$profile")
if [ -z "$region" ]; then
  region=$(aws "${aws_args[@]}" configure get region 2>/dev/null || true)
  region=${region:-${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}}
fi
aws_args+=(--region "$region")
[ -n "$endpoint" ] && aws_args+=(--endpoint-url "$endpoint")
awsc() { aws "${aws_args[@]}" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- stack state
stack_status() {  # prints the status, or nothing when there is no such stack
  local out
  if out=$(awsc cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text 2>&1); then
    echo "$out"
  elif grep -q 'does not exist' <<<"$out"; then
    :
  else
    echo "$out" >&2; die "cannot describe stack $stack"
  fi
}

declare -A out=()
read_outputs() {
  out=()
  local k v
  while IFS=$'\t' read -r k v; do if [ -n "$k" ] && [ "$k" != None ]; then out[$k]=$v; fi; done < <(
    awsc cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text)
}

account_id() { awsc sts get-caller-identity --query Account --output text; }

empty_bucket() {  # every object and unfinished multipart upload; the buckets are unversioned
  local bucket=$1 key id
  awsc s3api head-bucket --bucket "$bucket" >/dev/null 2>&1 || return 0
  say "emptying s3://$bucket"
  awsc s3 rm "s3://$bucket" --recursive --only-show-errors || die "could not empty s3://$bucket"
  while IFS=$'\t' read -r key id; do
    if [ -n "$key" ] && [ "$key" != None ]; then
      awsc s3api abort-multipart-upload --bucket "$bucket" --key "$key" --upload-id "$id"
    fi
  done < <(awsc s3api list-multipart-uploads --bucket "$bucket" --query 'Uploads[].[Key,UploadId]' --output text 2>/dev/null || true)
}

wait_stack() {  # $1: create|update|delete
  if ! awsc cloudformation wait "stack-$1-complete" --stack-name "$stack"; then
    echo "deploy.sh: stack $stack did not reach ${1^^}_COMPLETE; the failed events:" >&2
    awsc cloudformation describe-stack-events --stack-name "$stack" --output table \
      --query "StackEvents[?contains(ResourceStatus,'FAILED')].[LogicalResourceId,ResourceStatus,ResourceStatusReason]" >&2 || true
    exit 1
  fi
}

# ---------------------------------------------------------------- destroy
destroy() {
  local status
  status=$(stack_status)
  local artifacts
  artifacts="$stack-artifacts-$(account_id)-$region"
  if [ -z "$status" ]; then
    say "no stack $stack in $region"
  else
    read_outputs
    local bucket=${out[BucketName]:-}
    if [ $yes = 0 ]; then
      [ -t 0 ] || die "destroy deletes stack $stack and every image in ${bucket:-its bucket}; pass --yes when not running on a terminal"
      printf 'Delete stack %s in %s and every image in %s? Type the stack name to confirm: ' "$stack" "$region" "${bucket:-its bucket}"
      local answer
      read -r answer
      [ "$answer" = "$stack" ] || die "not confirmed; nothing deleted"
    fi
    [ -n "$bucket" ] && empty_bucket "$bucket"
    say "deleting stack $stack"
    awsc cloudformation delete-stack --stack-name "$stack"
    wait_stack delete
  fi
  if awsc s3api head-bucket --bucket "$artifacts" >/dev/null 2>&1; then
    empty_bucket "$artifacts"
    awsc s3api delete-bucket --bucket "$artifacts"
    say "deleted s3://$artifacts"
  fi
  say "stack $stack is gone"
}

# ---------------------------------------------------------------- redrive
redrive() {
  command -v jq >/dev/null || die "redrive needs jq"
  read_outputs
  local queue=${out[DeadLetterQueueUrl]:-} fn=${out[ExtractorFunctionName]:-} n=0 msg handle
  [ -n "$queue" ] && [ -n "$fn" ] || die "stack $stack has no DeadLetterQueueUrl/ExtractorFunctionName outputs"
  while :; do
    msg=$(awsc sqs receive-message --queue-url "$queue" --max-number-of-messages 1 --wait-time-seconds 1 --output json)
    [ -n "$msg" ] && [ "$(jq '.Messages | length' <<<"$msg")" -gt 0 ] || break
    handle=$(jq -r '.Messages[0].ReceiptHandle' <<<"$msg")
    jq -r '.Messages[0].Body' <<<"$msg" > "$work/event.json"
    # The DLQ message body is the original S3 event: invoke asynchronously, as S3 does.
    awsc lambda invoke --function-name "$fn" --invocation-type Event --payload "$(cat "$work/event.json")" "$work/out.json" >/dev/null
    awsc sqs delete-message --queue-url "$queue" --receipt-handle "$handle"
    n=$((n + 1))
  done
  say "sent $n event(s) back to $fn"
}

# ---------------------------------------------------------------- deploy
build_web() {  # prints the directory holding the built site
  if [ -n "$web_dist" ]; then
    [ -f "$web_dist/index.html" ] || die "--web-dist $web_dist has no index.html"
    echo "$web_dist"; return
  fi
  if [ $skip_web_build = 0 ]; then
    command -v npm >/dev/null || die "npm is required to build the web app (or pass --web-dist DIR)"
    say "building the web app (web/: npm ci && npm run build)" >&2
    if ! (cd "$repo/web" && npm ci --no-audit --no-fund && npm run build) >&2; then
      die "the web app did not build (cd web && npm ci && npm run build); nothing was deployed"
    fi
  fi
  [ -f "$repo/web/dist/index.html" ] || die "web/dist/index.html is missing: build the web app or pass --web-dist DIR"
  echo "$repo/web/dist"
}

ensure_artifacts_bucket() {
  local bucket=$1
  if awsc s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then return; fi
  say "creating the artifacts bucket s3://$bucket"
  if [ "$region" = us-east-1 ]; then
    awsc s3api create-bucket --bucket "$bucket" >/dev/null
  else
    awsc s3api create-bucket --bucket "$bucket" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  fi
  awsc s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  awsc s3api put-bucket-encryption --bucket "$bucket" --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
}

# Shows the change set; returns 1 when it holds no changes (and deletes it).
make_change_set() {
  local type=$1 name=$2 status reason
  shift 2
  local outp
  if ! outp=$(awsc cloudformation create-change-set --stack-name "$stack" --change-set-name "$name" \
      --change-set-type "$type" --template-body "file://$here/template.yaml" \
      --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --parameters "$@" --output text --query Id 2>&1); then
    # moto answers a change set without changes here rather than with a FAILED change set.
    grep -qi 'no updates are to be performed\|didn.t contain changes' <<<"$outp" && return 1
    echo "$outp" >&2; die "create-change-set failed"
  fi
  awsc cloudformation wait change-set-create-complete --stack-name "$stack" --change-set-name "$name" 2>/dev/null || true
  status=$(awsc cloudformation describe-change-set --stack-name "$stack" --change-set-name "$name" --query Status --output text)
  if [ "$status" = FAILED ]; then
    reason=$(awsc cloudformation describe-change-set --stack-name "$stack" --change-set-name "$name" --query StatusReason --output text)
    awsc cloudformation delete-change-set --stack-name "$stack" --change-set-name "$name" || true
    if grep -qi "didn't contain changes\|no updates are to be performed" <<<"$reason"; then return 1; fi
    die "change set failed: $reason"
  fi
  say "change set $name ($type):"
  awsc cloudformation describe-change-set --stack-name "$stack" --change-set-name "$name" --output table \
    --query 'Changes[].ResourceChange.{Action:Action,Resource:LogicalResourceId,Type:ResourceType,Replacement:Replacement}'
  return 0
}

publish_site() {  # $1: the directory to publish
  local dir=$1 app=${out[AmplifyAppId]:-} branch=${out[AmplifyBranch]:-} probe job url status
  [ -n "$app" ] && [ -n "$branch" ] || die "the stack has no AmplifyAppId/AmplifyBranch outputs"
  if ! probe=$(awsc amplify get-branch --app-id "$app" --branch-name "$branch" --query branch.branchName --output text 2>&1); then
    if [ -n "$endpoint" ]; then
      say "Amplify Hosting is not available at $endpoint (moto has no Amplify): the site is NOT published; it is in $dir"
      return 0
    fi
    echo "$probe" >&2; die "Amplify branch $branch of app $app not found"
  fi
  (cd "$dir" && find . -type f | LC_ALL=C sort | zip -q -X -r "$work/site.zip" -@)
  read -r job url < <(awsc amplify create-deployment --app-id "$app" --branch-name "$branch" \
    --query '[jobId,zipUploadUrl]' --output text)
  [ -n "$job" ] && [ -n "$url" ] || die "amplify create-deployment returned no job or upload URL"
  say "uploading the site to Amplify (job $job)"
  curl -fsS -X PUT -H 'Content-Type: application/zip' --data-binary "@$work/site.zip" "$url" >/dev/null \
    || die "the upload of the site zip to Amplify failed"
  awsc amplify start-deployment --app-id "$app" --branch-name "$branch" --job-id "$job" >/dev/null
  for _ in $(seq 1 150); do
    status=$(awsc amplify get-job --app-id "$app" --branch-name "$branch" --job-id "$job" --query job.summary.status --output text)
    case $status in
      SUCCEED) say "site published (Amplify job $job)"; return 0 ;;
      FAILED|CANCELLED) die "Amplify deployment $job ended $status" ;;
    esac
    sleep 2
  done
  die "Amplify deployment $job still $status after 5 minutes"
}

deploy() {
  local site account artifacts zip sha key status type name
  # Everything that can fail without AWS first: a broken build deploys nothing.
  site=$(build_web)
  say "packaging the Lambda"
  if [ -n "$binary" ]; then "$here/package-lambda.sh" --binary "$binary" --out "$work/lambda"
  else "$here/package-lambda.sh" --out "$work/lambda"; fi
  zip="$work/lambda/s3metadataFetcher.zip"

  account=$(account_id) || die "no AWS credentials (aws sts get-caller-identity failed)"
  artifacts="$stack-artifacts-$account-$region"
  ensure_artifacts_bucket "$artifacts"
  sha=$(sha256sum "$zip" | cut -c1-16)
  key="lambda/s3metadataFetcher-$sha.zip"
  if awsc s3api head-object --bucket "$artifacts" --key "$key" >/dev/null 2>&1; then
    say "s3://$artifacts/$key is already uploaded"
  else
    say "uploading s3://$artifacts/$key"
    awsc s3 cp "$zip" "s3://$artifacts/$key" --only-show-errors
  fi

  status=$(stack_status)
  case $status in
    ROLLBACK_COMPLETE|ROLLBACK_FAILED|REVIEW_IN_PROGRESS)
      say "stack $stack is $status (its first creation failed): deleting it to start again"
      awsc cloudformation delete-stack --stack-name "$stack"; wait_stack delete; status="" ;;
    *_IN_PROGRESS) die "stack $stack is $status; wait for it to finish" ;;
  esac
  declare -A given=([ArtifactBucket]="$artifacts" [LambdaCodeKey]="$key")
  [ -n "$email" ] && given[AlarmEmail]=$email
  local p
  for p in "${params[@]}"; do given[${p%%=*}]=${p#*=}; done
  local args=() k
  for k in "${!given[@]}"; do args+=("ParameterKey=$k,ParameterValue=${given[$k]}"); done
  if [ -z "$status" ]; then
    type=CREATE
  else
    type=UPDATE
    # Parameters not given keep their current values (as `cloudformation deploy` does).
    while read -r k; do
      if [ -n "$k" ] && [ "$k" != None ] && [ -z "${given[$k]+x}" ]; then args+=("ParameterKey=$k,UsePreviousValue=true"); fi
    done < <(awsc cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Parameters[].ParameterKey' --output text | tr '\t' '\n')
  fi
  name="deploy-$(date -u +%Y%m%d%H%M%S)"
  if make_change_set "$type" "$name" "${args[@]}"; then
    say "executing the change set"
    awsc cloudformation execute-change-set --stack-name "$stack" --change-set-name "$name"
    wait_stack "${type,,}"
  else
    say "stack $stack is up to date: no changes"
  fi

  read_outputs
  for k in ApiUrl UserPoolId UserPoolClientId BucketName; do
    [ -n "${out[$k]:-}" ] || die "the stack has no output $k"
  done
  mkdir -p "$work/site"
  cp -R "$site/." "$work/site/"
  local cognito_endpoint=""
  [ -n "$endpoint" ] && cognito_endpoint=$endpoint
  jq -n --arg api "${out[ApiUrl]}" --arg region "$region" --arg pool "${out[UserPoolId]}" \
     --arg client "${out[UserPoolClientId]}" --arg ep "$cognito_endpoint" \
     '{apiBaseUrl: $api, auth: ({mode: "cognito", region: $region, userPoolId: $pool, clientId: $client}
       + (if $ep == "" then {} else {endpoint: $ep} end))}' > "$work/site/config.json"
  say "config.json: $(jq -c . "$work/site/config.json")"
  publish_site "$work/site"

  echo
  echo "Site:       ${out[SiteUrl]:-}"
  echo "API:        ${out[ApiUrl]}"
  echo "User pool:  ${out[UserPoolId]} (app client ${out[UserPoolClientId]})"
  echo "Images:     s3://${out[BucketName]}   Table: ${out[TableName]:-}"
  echo "Dashboard:  https://console.aws.amazon.com/cloudwatch/home?region=$region#dashboards:name=${out[DashboardName]:-$stack}"
}

case $action in
  deploy) command -v jq >/dev/null || die "jq is required"; command -v curl >/dev/null || die "curl is required"; deploy ;;
  destroy) destroy ;;
  redrive) redrive ;;
esac
