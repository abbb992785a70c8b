#!/usr/bin/env bash
# Deploys imgmeta to AWS with one command, on the AWS CLI (v1 or v2); docs/deploy.md.
#
#   deploy/deploy.sh [deploy] [options]    build, upload, create or update the stack, publish the site
#   deploy/deploy.sh destroy [options]     delete the stack; images, records and accounts are kept
#                                          unless --delete-data (then they go too)
#   deploy/deploy.sh redrive [options]     send the events waiting in the DLQs back to their functions
#   deploy/deploy.sh local [options]       the whole AWS shape on this machine (moto, the functions
#                                          under a Runtime API emulator, the HTTP API, the site);
#                                          deploy/local/aws_local.py --help lists its options
#
# Options:
#   --stack-name NAME     1-20 characters of [a-z0-9-], starting with a letter (default: imgmeta)
#   --profile NAME        AWS CLI profile
#   --region REGION       AWS region (default: the profile's, else us-east-1)
#   --endpoint-url URL    send every AWS call there (moto_server and other local endpoints)
#   --email ADDRESS       subscribe this address to the alarm topic (it must confirm)
#   --param KEY=VALUE     set a template parameter (repeatable; e.g. ExtractorMemorySize=256)
#   --binary PATH         the imgmeta binary to package (default: package-lambda.sh builds release)
#   --packages DIR        deploy the zips package-lambda.sh already wrote to DIR (build once,
#                         deploy many: CI, or several stacks) instead of packaging again
#   --web-dist DIR        publish this already built web app instead of building web/
#   --skip-web-build      publish web/dist as it is (no npm run build)
#   --npm-ci              run `npm ci` in web/ first (network: the npm registry); without it
#                         the build uses the installed web/node_modules and stops if there is none
#   --delete-data         with destroy: also delete the retained bucket, table and user pool
#   --yes                 do not ask before destroying
#
# Idempotent: running deploy again with nothing changed changes nothing (the change set is
# empty, the zip is not re-uploaded) but republishes the site. Every name derives from the
# stack name, so several stacks live side by side in one account.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

action=deploy stack=imgmeta profile="" region="" endpoint="" email="" yes=0
binary="" packages="" web_dist="" skip_web_build=0 npm_ci=0 delete_data=0
params=()
die() { echo "deploy.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }

if [ $# -gt 0 ] && [[ $1 != -* ]]; then action=$1; shift; fi
if [ "$action" = local ]; then exec python3 "$here/local/aws_local.py" "$@"; fi
while [ $# -gt 0 ]; do
  case $1 in
    --stack-name) need_arg "$@"; stack=$2; shift 2 ;;
    --profile) need_arg "$@"; profile=$2; shift 2 ;;
    --region) need_arg "$@"; region=$2; shift 2 ;;
    --endpoint-url) need_arg "$@"; endpoint=${2%/}; shift 2 ;;
    --email) need_arg "$@"; email=$2; shift 2 ;;
    --param) need_arg "$@"; [[ $2 == *=* ]] || die "--param wants KEY=VALUE, got $2"; params+=("$2"); shift 2 ;;
    --binary) need_arg "$@"; binary=$2; shift 2 ;;
    --packages) need_arg "$@"; packages=$2; shift 2 ;;
    --web-dist) need_arg "$@"; web_dist=$2; shift 2 ;;
    --skip-web-build) skip_web_build=1; shift ;;
    --npm-ci) npm_ci=1; shift ;;
    --delete-data) delete_data=1; shift ;;
    --yes|-y) yes=1; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case $action in deploy|destroy|redrive) ;; *) die "unknown command $action (deploy, destroy, redrive or local)" ;; esac
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

wait_stack_quietly() {  # like wait_stack, but returns 1 after the report instead of exiting
  if ! awsc cloudformation wait "stack-$1-complete" --stack-name "$stack" 2>/dev/null; then
    echo "deploy.sh: stack $stack did not reach ${1^^}_COMPLETE; the failed events:" >&2
    awsc cloudformation describe-stack-events --stack-name "$stack" --output table \
      --query "StackEvents[?contains(ResourceStatus,'FAILED')].[LogicalResourceId,ResourceStatus,ResourceStatusReason]" >&2 || true
    return 1
  fi
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
# The names of the retained resources, derived as the template derives them (so that they
# are found after the stack itself is gone).
data_bucket() { echo "$stack-images-$1-$region"; }
data_table() { echo "$stack-metadata"; }
data_pools() {  # ids of the user pools named after the stack
  awsc cognito-idp list-user-pools --max-results 60 --query "UserPools[?Name=='$stack-users'].Id" --output text 2>/dev/null \
    | tr '\t' '\n' | grep -v '^None$' || true
}

delete_data() {  # $1: account id
  local bucket table pool
  bucket=$(data_bucket "$1") table=$(data_table)
  if awsc s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
    empty_bucket "$bucket"
    awsc s3api delete-bucket --bucket "$bucket"
    say "deleted s3://$bucket"
  fi
  if awsc dynamodb describe-table --table-name "$table" >/dev/null 2>&1; then
    awsc dynamodb delete-table --table-name "$table" >/dev/null
    say "deleted table $table"
  fi
  for pool in $(data_pools); do
    # The pool's DeletionProtection is on (template.yaml): turned off only here, on purpose.
    awsc cognito-idp update-user-pool --user-pool-id "$pool" --deletion-protection INACTIVE \
      --auto-verified-attributes email >/dev/null
    awsc cognito-idp delete-user-pool --user-pool-id "$pool"
    say "deleted user pool $pool"
  done
}

destroy() {
  local status account
  status=$(stack_status)
  account=$(account_id) || die "no AWS credentials (aws sts get-caller-identity failed)"
  local artifacts="$stack-artifacts-$account-$region" bucket
  bucket=$(data_bucket "$account")
  local what="stack $stack in $region (the images in s3://$bucket, the records and the user accounts are kept)"
  [ $delete_data = 1 ] && what="stack $stack in $region AND every image in s3://$bucket, every record and every user account"
  if [ $yes = 0 ]; then
    [ -t 0 ] || die "destroy deletes $what; pass --yes when not running on a terminal"
    printf 'Delete %s? Type the stack name to confirm: ' "$what"
    local answer
    read -r answer
    [ "$answer" = "$stack" ] || die "not confirmed; nothing deleted"
  fi
  if [ -z "$status" ]; then
    say "no stack $stack in $region"
  else
    say "deleting stack $stack"
    awsc cloudformation delete-stack --stack-name "$stack"
    wait_stack delete
  fi
  if [ $delete_data = 1 ]; then
    delete_data "$account"
  elif awsc s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
    say "kept (DeletionPolicy Retain): s3://$bucket, table $(data_table), user pool $stack-users;" \
        "deploy.sh destroy --delete-data removes them"
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
  [ -n "${out[DeadLetterQueueUrl]:-}" ] && [ -n "${out[ExtractorFunctionName]:-}" ] \
    || die "stack $stack has no DeadLetterQueueUrl/ExtractorFunctionName outputs"
  redrive_queue "${out[DeadLetterQueueUrl]}" "${out[ExtractorFunctionName]}"
  if [ -n "${out[PreviewDeadLetterQueueUrl]:-}" ] && [ -n "${out[PreviewFunctionName]:-}" ]; then
    redrive_queue "${out[PreviewDeadLetterQueueUrl]}" "${out[PreviewFunctionName]}"
  fi
}

redrive_queue() {  # $1: the DLQ's URL, $2: the function its events go back to
  local queue=$1 fn=$2 n=0 msg handle
  while :; do
    msg=$(awsc sqs receive-message --queue-url "$queue" --max-number-of-messages 1 --wait-time-seconds 1 --output json)
    [ -n "$msg" ] && [ "$(jq '.Messages | length' <<<"$msg")" -gt 0 ] || break
    handle=$(jq -r '.Messages[0].ReceiptHandle' <<<"$msg")
    jq -r '.Messages[0].Body' <<<"$msg" > "$work/event.json"
    # The DLQ message body is the original event (SNS-wrapped): invoke asynchronously, as SNS does.
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
    if [ $npm_ci = 1 ]; then
      say "installing the web app's packages (web/: npm ci, from the npm registry)" >&2
      (cd "$repo/web" && npm ci --no-audit --no-fund) >&2 || die "npm ci failed in web/; nothing was deployed"
    elif [ ! -d "$repo/web/node_modules" ]; then
      die "web/node_modules is missing: run (cd web && npm ci) or scripts/setup.sh, pass --npm-ci to let deploy.sh do it, or --web-dist DIR"
    fi
    say "building the web app (web/: npm run build, with the installed node_modules)" >&2
    if ! (cd "$repo/web" && npm run build) >&2; then
      die "the web app did not build (cd web && npm run build); nothing was deployed"
    fi
  fi
  [ -f "$repo/web/dist/index.html" ] || die "web/dist/index.html is missing: build the web app or pass --web-dist DIR"
  echo "$repo/web/dist"
}

# Lambda keeps its own copy of a function's code, so old zips are only needed to roll back
# a recent update: they expire after this many days (a deploy re-uploads a missing one).
ARTIFACT_DAYS=90

ensure_artifacts_bucket() {  # created once; its protections are (re)applied on every deploy
  local bucket=$1
  if ! awsc s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
    say "creating the artifacts bucket s3://$bucket"
    if [ "$region" = us-east-1 ]; then
      awsc s3api create-bucket --bucket "$bucket" >/dev/null
    else
      awsc s3api create-bucket --bucket "$bucket" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
    fi
  fi
  awsc s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  awsc s3api put-bucket-encryption --bucket "$bucket" --server-side-encryption-configuration \
    '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":true}]}'
  awsc s3api put-bucket-lifecycle-configuration --bucket "$bucket" --lifecycle-configuration \
    "{\"Rules\":[{\"ID\":\"expire-old-lambda-zips\",\"Status\":\"Enabled\",\"Filter\":{\"Prefix\":\"lambda/\"},\"Expiration\":{\"Days\":$ARTIFACT_DAYS},\"AbortIncompleteMultipartUpload\":{\"DaysAfterInitiation\":1}}]}"
  if [[ $endpoint == http://* ]]; then
    # A TLS-only policy would lock out a plain-HTTP local endpoint (moto evaluates it).
    say "not applying the TLS-only policy to s3://$bucket: $endpoint is plain HTTP"
  else
    awsc s3api put-bucket-policy --bucket "$bucket" --policy \
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyPlainHttp\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::$bucket\",\"arn:aws:s3:::$bucket/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"
  fi
}

upload_zip() {  # $1: the zip, $2: its name in the bucket; prints the key
  local sha key
  sha=$(sha256sum "$1" | cut -c1-16)
  key="lambda/$2-$sha.zip"
  if awsc s3api head-object --bucket "$artifacts" --key "$key" >/dev/null 2>&1; then
    say "s3://$artifacts/$key is already uploaded" >&2
  else
    say "uploading s3://$artifacts/$key" >&2
    awsc s3 cp "$1" "s3://$artifacts/$key" --only-show-errors >&2
  fi
  echo "$key"
}

# An endpoint that is not AWS (moto_server) must model what the template needs beyond moto:
# without deploy/local/moto_shim_server.py the stack fails half made on AmplifyApp.
check_local_endpoint() {
  [ -n "$endpoint" ] || return 0
  if ! curl -fsS -o /dev/null "$endpoint/_shim/resources" 2>/dev/null; then
    die "$endpoint does not model Cognito, API Gateway and Amplify in CloudFormation (plain moto_server?):" \
        "the stack could not be made there. Run deploy/deploy.sh local (it starts everything), or start" \
        "deploy/local/moto_shim_server.py and point --endpoint-url at it. Nothing was created."
  fi
}

# Shows the change set; returns 1 when it holds no changes (and deletes it).
make_change_set() {
  local type=$1 name=$2 status reason
  shift 2
  local outp
  if ! outp=$(awsc cloudformation create-change-set --stack-name "$stack" --change-set-name "$name" \
      --change-set-type "$type" --template-body "file://$here/template.yaml" \
      --capabilities CAPABILITY_IAM --parameters "$@" --output text --query Id 2>&1); then
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
  local site account zip key preview_key="" status type name
  # Everything that can fail without AWS first: a broken build deploys nothing.
  site=$(build_web)
  check_local_endpoint
  local lambda_dir="$work/lambda"
  if [ -n "$packages" ]; then
    [ -z "$binary" ] || die "--packages and --binary exclude each other (the zips already hold a binary)"
    [ -f "$packages/s3metadataFetcher.zip" ] || die "no s3metadataFetcher.zip in $packages (make it with deploy/package-lambda.sh --out $packages)"
    say "deploying the Lambda packages in $packages"
    lambda_dir=$packages
  else
    say "packaging the Lambdas"
    if [ -n "$binary" ]; then "$here/package-lambda.sh" --binary "$binary" --out "$lambda_dir"
    else "$here/package-lambda.sh" --out "$lambda_dir"; fi
  fi
  zip="$lambda_dir/s3metadataFetcher.zip"

  account=$(account_id) || die "no AWS credentials (aws sts get-caller-identity failed)"
  artifacts="$stack-artifacts-$account-$region"
  status=$(stack_status)
  if [ -z "$status" ] && awsc s3api head-bucket --bucket "$(data_bucket "$account")" >/dev/null 2>&1; then
    die "s3://$(data_bucket "$account") is left from an earlier stack $stack (kept by destroy): delete it with" \
        "deploy/deploy.sh destroy --delete-data, or deploy under another --stack-name. Nothing was created."
  fi
  ensure_artifacts_bucket "$artifacts"
  key=$(upload_zip "$zip" s3metadataFetcher)
  if [ -f "$lambda_dir/imgmetaPreview.zip" ]; then
    preview_key=$(upload_zip "$lambda_dir/imgmetaPreview.zip" imgmetaPreview)
  fi

  case $status in
    ROLLBACK_COMPLETE|ROLLBACK_FAILED|REVIEW_IN_PROGRESS)
      say "stack $stack is $status (its first creation failed): deleting it to start again"
      awsc cloudformation delete-stack --stack-name "$stack"; wait_stack delete; status="" ;;
    *_IN_PROGRESS) die "stack $stack is $status; wait for it to finish" ;;
  esac
  declare -A given=([ArtifactBucket]="$artifacts" [LambdaCodeKey]="$key" [PreviewCodeKey]="$preview_key")
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
    if ! wait_stack_quietly "${type,,}"; then
      if [ "$type" = CREATE ]; then
        say "the stack could not be created; deleting what was made of it (nothing else is changed)" >&2
        awsc cloudformation delete-stack --stack-name "$stack" || true
        awsc cloudformation wait stack-delete-complete --stack-name "$stack" || true
      fi
      exit 1
    fi
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
