"""deploy/deploy.sh end to end against moto_server on loopback (through
deploy/local/moto_shim_server.py, which adds CloudFormation models for the types moto
skips and answers the Amplify Hosting calls). moto reports CREATE_COMPLETE for whatever it
skips, so every resource is checked through its own service's API instead of the stack
status; then a second deploy must change nothing, destroy must keep the data (DeletionPolicy
Retain) and destroy --delete-data must remove it all.

Environment: IMGMETA_BIN (the imgmeta binary to package; default build/dev), IMGMETA_SOURCE_DIR."""

import ast
import base64
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request
import zipfile

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("IMGMETA_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "../.."))
BIN = os.environ.get("IMGMETA_BIN") or os.path.join(SOURCE, "build/dev/src/cli/imgmeta")
DEPLOY = os.path.join(SOURCE, "deploy/deploy.sh")
REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "imgmeta-t"
BUCKET = f"{STACK}-images-{ACCOUNT}-{REGION}"
ARTIFACTS = f"{STACK}-artifacts-{ACCOUNT}-{REGION}"
TABLE = f"{STACK}-metadata"
EXTRACTOR = f"{STACK}-s3metadataFetcher"
API = f"{STACK}-api"
PREVIEW = f"{STACK}-imgmetaPreview"
PURGE = f"{STACK}-purge"
EMAIL = "ops@example.com"


class Shim:
    def __init__(self, workdir):
        self.log_path = os.path.join(workdir, "moto.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["python3", os.path.join(SOURCE, "deploy/local/moto_shim_server.py"), "-H", "127.0.0.1", "-p", "0"],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline and self.url is None:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_shim_server exited:\n" + open(self.log_path).read())
            with open(self.log_path) as f:
                m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", f.read())
            if m:
                self.url = m.group(1)
            else:
                time.sleep(0.1)
        if not self.url:
            self.stop()
            raise RuntimeError("moto_shim_server did not start:\n" + open(self.log_path).read())
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_shim_server does not answer")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def post_json(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    def get_json(self, path):
        return json.loads(urllib.request.urlopen(self.url + path, timeout=10).read())


class DeployAgainstMoto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no imgmeta binary at {BIN}")
        cls.work = tempfile.mkdtemp(prefix="imgmeta-deploy-test-")
        cls.shim = Shim(cls.work)
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cfg = os.path.join(cls.work, "aws-config")
        with open(cfg, "w") as f:
            f.write("[default]\n")
        cls.env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_CONFIG_FILE=cfg,
                       AWS_SHARED_CREDENTIALS_FILE=os.path.join(cls.work, "no-credentials"))
        # The zips once, as a CI pipeline makes them, deployed three times with --packages
        # (deploy.sh's own packaging runs in aws_local_test, through deploy.sh local).
        cls.packages = os.path.join(cls.work, "packages")
        subprocess.run([os.path.join(SOURCE, "deploy/package-lambda.sh"), "--binary", BIN, "--out", cls.packages],
                       check=True, capture_output=True, timeout=300)
        cls.site = os.path.join(cls.work, "dist")
        os.makedirs(os.path.join(cls.site, "assets"))
        with open(os.path.join(cls.site, "index.html"), "w") as f:
            f.write("<!doctype html><title>imgmeta</title><script src=assets/app.js></script>\n")
        with open(os.path.join(cls.site, "assets/app.js"), "w") as f:
            f.write("console.log('imgmeta')\n")

    @classmethod
    def tearDownClass(cls):
        cls.shim.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def client(self, service):
        return boto3.client(service, endpoint_url=self.shim.url, region_name=REGION, aws_access_key_id="testing",
                            aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))

    def run_deploy(self, *args, stdin=subprocess.DEVNULL, env=None, timeout=120):
        cmd = [DEPLOY, *args, "--stack-name", STACK, "--region", REGION, "--endpoint-url", self.shim.url]
        p = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, env=env or self.env, timeout=timeout)
        return p.returncode, p.stdout + p.stderr

    def deploy(self, *extra):
        rc, out = self.run_deploy("deploy", "--packages", self.packages, "--web-dist", self.site, *extra)
        self.assertEqual(rc, 0, out)
        return out

    # The one test: the steps depend on each other (deploy, check, redeploy, destroy).
    def test_deploy_check_redeploy_destroy(self):
        self.step_broken_web_build_deploys_nothing()
        self.step_package_options_checked()
        out = self.deploy("--email", EMAIL)
        self.assertIn("change set", out)
        self.assertIn("(CREATE)", out)
        self.assertRegex(out, r"Site: +https://main\.d[0-9a-f]+\.amplifyapp\.com")
        self.assertRegex(out, r"API: +https://\w+\.execute-api\.us-east-1\.amazonaws\.com")
        outputs = self.step_stack_outputs()
        self.step_functions()
        self.step_roles()
        self.step_table()
        self.step_buckets()
        self.step_queue_topic_alarms_dashboard(outputs)
        self.step_log_groups()
        self.step_cognito_and_http_api(outputs)
        self.step_site_published_with_config(outputs, jobs=1)

        # Again, now with an Amplify API that fails as plain moto's does: nothing changes, and
        # publishing is skipped with a message instead of failing the deploy.
        self.shim.post_json("/_shim/amplify-api", {"enabled": False})
        again = self.deploy()
        self.shim.post_json("/_shim/amplify-api", {"enabled": True})
        self.assertIn("is already uploaded", again)
        self.assertIn("no changes", again)
        self.assertIn("Amplify Hosting is not available at", again)
        self.assertIn("NOT published", again)
        self.assertEqual(self.step_stack_outputs(), outputs)
        self.step_site_published_with_config(outputs, jobs=1)
        subs = self.client("sns").list_subscriptions_by_topic(TopicArn=outputs["AlarmTopicArn"])["Subscriptions"]
        self.assertEqual([s["Endpoint"] for s in subs], [EMAIL])  # the email survives a deploy without --email

        self.step_redrive(outputs)
        self.step_destroy(outputs)

    # ------------------------------------------------------------ steps
    def step_package_options_checked(self):
        rc, out = self.run_deploy("deploy", "--packages", self.packages, "--binary", BIN, "--web-dist", self.site)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("exclude each other", out)
        rc, out = self.run_deploy("deploy", "--packages", self.work, "--web-dist", self.site)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("no s3metadataFetcher.zip", out)
        self.assertEqual(self.client("cloudformation").list_stacks()["StackSummaries"], [])

    def step_broken_web_build_deploys_nothing(self):
        fake_bin = os.path.join(self.work, "fake-bin")
        os.makedirs(fake_bin, exist_ok=True)
        with open(os.path.join(fake_bin, "npm"), "w") as f:
            f.write("#!/bin/sh\necho 'npm ERR! simulated failure' >&2\nexit 1\n")
        os.chmod(os.path.join(fake_bin, "npm"), 0o755)
        env = dict(self.env, PATH=fake_bin + os.pathsep + self.env["PATH"])
        rc, out = self.run_deploy("deploy", "--binary", BIN, "--npm-ci", env=env)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("npm ci failed in web/", out)
        self.assertEqual(self.client("cloudformation").list_stacks()["StackSummaries"], [])
        self.assertEqual(self.client("s3").list_buckets()["Buckets"], [])

    def step_stack_outputs(self):
        stack = self.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
        self.assertIn(stack["StackStatus"], ("CREATE_COMPLETE", "UPDATE_COMPLETE"))
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        self.assertEqual(outputs["BucketName"], BUCKET)
        self.assertEqual(outputs["TableName"], TABLE)
        self.assertEqual(outputs["ExtractorFunctionName"], EXTRACTOR)
        self.assertEqual(outputs["ApiFunctionName"], API)
        self.assertEqual(outputs["PreviewFunctionName"], PREVIEW)
        self.assertTrue(outputs["EventTopicArn"].endswith(f":{STACK}-events"), outputs["EventTopicArn"])
        return outputs

    def stack_resource(self, logical_id):
        return self.client("cloudformation").describe_stack_resource(
            StackName=STACK, LogicalResourceId=logical_id)["StackResourceDetail"]["PhysicalResourceId"]

    def step_functions(self):
        lam = self.client("lambda")
        s3 = self.client("s3")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"])
        # The extractor's zip, and the preview function's (the same plus the rendering module).
        self.assertEqual(len(keys), 2, keys)
        self.assertRegex(keys[0], r"^lambda/imgmetaPreview-[0-9a-f]{16}\.zip$")
        self.assertRegex(keys[1], r"^lambda/s3metadataFetcher-[0-9a-f]{16}\.zip$")
        preview_package = s3.get_object(Bucket=ARTIFACTS, Key=keys[0])["Body"].read()
        package = s3.get_object(Bucket=ARTIFACTS, Key=keys[1])["Body"].read()
        names = zipfile.ZipFile(io.BytesIO(package)).namelist()
        self.assertIn("bootstrap", names)
        self.assertIn("bin/imgmeta", names)
        self.assertFalse([n for n in names if "vips" in n or "imgmeta_preview" in n], "the extractor's zip carries no preview libraries")
        preview_names = zipfile.ZipFile(io.BytesIO(preview_package)).namelist()
        self.assertIn("lib/libimgmeta_preview.so", preview_names)
        pool_id = self.stack_resource("UserPool")
        client_id = self.stack_resource("UserPoolClient")
        want = {EXTRACTOR: ("extract", "ExtractorRole", 128, 30, {"BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE}),
                PREVIEW: ("preview", "PreviewRole", 1024, 60, {"BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE}),
                API: ("api", "ApiRole", 256, 10, {"BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE,
                                                  "COGNITO_USER_POOL_ID": pool_id, "COGNITO_CLIENT_ID": client_id,
                                                  "SHARES_TABLE": self.stack_resource("SharesTable"),
                                                  "TRASH_DAYS": "30"}),
                PURGE: ("purge", "PurgeRole", 256, 300, {"BUCKET_NAME": BUCKET, "TABLE_NAME": TABLE, "TRASH_DAYS": "30"})}
        for name, (handler, role, memory, timeout, env) in want.items():
            c = lam.get_function_configuration(FunctionName=name)
            self.assertEqual(c["Runtime"], "provided.al2023", name)
            self.assertEqual(c["Handler"], handler, name)
            role_name = self.stack_resource(role)
            self.assertEqual(c["Role"], f"arn:aws:iam::{ACCOUNT}:role/{role_name}", name)
            # str(): moto keeps a Number parameter's Ref (TRASH_DAYS) a number; Lambda has strings.
            variables = {k: str(v) for k, v in c["Environment"]["Variables"].items()}
            if handler == "api":  # share links point at the site: the Amplify branch's domain
                self.assertRegex(variables.pop("SITE_URL"), r"^https://[a-z0-9-]+\.[a-z0-9]+\.amplifyapp\.com$", name)
            self.assertEqual(variables, env, name)
            self.assertEqual(c["MemorySize"], memory, name)
            self.assertEqual(c["Timeout"], timeout, name)
            code = preview_package if name == PREVIEW else package
            self.assertEqual(c["CodeSha256"], base64.b64encode(hashlib.sha256(code).digest()).decode(), name)
        for fn in (EXTRACTOR, PREVIEW):
            policy = json.loads(lam.get_policy(FunctionName=fn)["Policy"])
            principals = [s["Principal"] for s in policy["Statement"]]
            self.assertIn({"Service": "sns.amazonaws.com"}, principals, fn)
            self.assertEqual(lam.get_function_event_invoke_config(FunctionName=fn)["MaximumRetryAttempts"], 2)

    def step_roles(self):
        iam = self.client("iam")
        for logical, policy_name in (("ExtractorRole", "extractor"), ("ApiRole", "api"), ("PreviewRole", "preview")):
            name = self.stack_resource(logical)
            role = iam.get_role(RoleName=name)["Role"]
            trust = role["AssumeRolePolicyDocument"]
            if isinstance(trust, str):
                trust = json.loads(trust)
            self.assertEqual(trust["Statement"][0]["Principal"], {"Service": "lambda.amazonaws.com"})
            self.assertEqual(iam.list_role_policies(RoleName=name)["PolicyNames"], [policy_name])
            self.assertEqual(iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"], [])
            doc = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            if isinstance(doc, str):  # moto 5.2.1 stores the CloudFormation dict as its repr
                doc = ast.literal_eval(doc) if doc.startswith("{'") else json.loads(doc)
            doc["Statement"] = [s for s in doc["Statement"] if s is not None]  # moto keeps AWS::NoValue as null
            for s in doc["Statement"]:
                for r in s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]:
                    self.assertNotEqual(r, "*")
            if logical == "ExtractorRole":
                read = [s for s in doc["Statement"] if s["Sid"] == "ReadUploads"][0]
                self.assertEqual(read["Resource"], f"arn:aws:s3:::{BUCKET}/uploads/*")
                write = [s for s in doc["Statement"] if s["Sid"] == "WriteRecords"][0]
                self.assertEqual(write["Resource"], f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}")

    def step_table(self):
        t = self.client("dynamodb").describe_table(TableName=TABLE)["Table"]
        self.assertEqual(t["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                          {"AttributeName": "imageId", "KeyType": "RANGE"}])
        self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        gsis = {g["IndexName"]: (g["KeySchema"][1]["AttributeName"], g["Projection"]["ProjectionType"])
                for g in t["GlobalSecondaryIndexes"]}
        self.assertEqual(gsis, {"byUploaded": ("byUploaded", "ALL"), "byTaken": ("byTaken", "ALL"),
                                "bySha256": ("bySha256", "KEYS_ONLY"), "byTrashed": ("byTrashed", "ALL")})

    def step_buckets(self):
        s3 = self.client("s3")
        names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        self.assertEqual(names, {BUCKET, ARTIFACTS})
        for b in (BUCKET, ARTIFACTS):
            rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
            self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256", b)
        pab = s3.get_public_access_block(Bucket=ARTIFACTS)["PublicAccessBlockConfiguration"]
        self.assertTrue(all(pab.values()))

    def step_queue_topic_alarms_dashboard(self, outputs):
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=f"{STACK}-extractor-dlq")["QueueUrl"]
        self.assertEqual(url.split("/")[-2:], outputs["DeadLetterQueueUrl"].split("/")[-2:])
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["MessageRetentionPeriod"], "1209600")
        dlq_arn = attrs["QueueArn"]
        config = self.client("lambda").get_function(FunctionName=EXTRACTOR)["Configuration"]
        if "DeadLetterConfig" in config:  # moto 5.2.1 ignores it in CloudFormation
            self.assertEqual(config["DeadLetterConfig"]["TargetArn"], dlq_arn)
        sns = self.client("sns")
        topics = sorted(t["TopicArn"] for t in sns.list_topics()["Topics"])
        self.assertEqual(topics, sorted([outputs["AlarmTopicArn"], outputs["EventTopicArn"]]))
        subs = sns.list_subscriptions_by_topic(TopicArn=outputs["AlarmTopicArn"])["Subscriptions"]
        self.assertEqual([(s["Protocol"], s["Endpoint"]) for s in subs], [("email", EMAIL)])
        # The fan-out: both functions hang off the event topic.
        subs = sns.list_subscriptions_by_topic(TopicArn=outputs["EventTopicArn"])["Subscriptions"]
        self.assertEqual(sorted((s["Protocol"], s["Endpoint"]) for s in subs),
                         sorted(("lambda", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}") for fn in (EXTRACTOR, PREVIEW)))
        alarms = self.client("cloudwatch").describe_alarms(AlarmNamePrefix=STACK + "-")["MetricAlarms"]
        alarms += self.client("cloudwatch").describe_alarms(AlarmNamePrefix=STACK + "-")["CompositeAlarms"]
        names = {a["AlarmName"] for a in alarms}
        self.assertLessEqual({f"{STACK}-{n}" for n in (
            "extractor-errors", "extractor-throttles", "extractor-dlq-not-empty", "extractor-duration-near-timeout",
            "api-5xx", "api-errors", "api-throttles", "preview-errors")}, names)
        for a in alarms:
            self.assertEqual(a["AlarmActions"], [outputs["AlarmTopicArn"]], a["AlarmName"])
        dims = {a["AlarmName"]: a.get("Dimensions") for a in alarms}
        self.assertEqual(dims[f"{STACK}-extractor-errors"], [{"Name": "FunctionName", "Value": EXTRACTOR}])
        self.assertEqual(dims[f"{STACK}-extractor-dlq-not-empty"],
                         [{"Name": "QueueName", "Value": f"{STACK}-extractor-dlq"}])
        body = json.loads(self.client("cloudwatch").get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"])
        text = json.dumps(body)
        self.assertIn(EXTRACTOR, text)
        self.assertIn(f"{STACK}-extractor-errors", text)

    def step_log_groups(self):
        groups = {g["logGroupName"]: g.get("retentionInDays")
                  for g in self.client("logs").describe_log_groups()["logGroups"]}
        self.assertEqual(groups, {f"/aws/lambda/{EXTRACTOR}": 30, f"/aws/lambda/{API}": 30,
                                  f"/aws/lambda/{PREVIEW}": 30, f"/aws/lambda/{PURGE}": 30,
                                  f"/aws/apigateway/{STACK}-http-api": 30})

    def step_cognito_and_http_api(self, outputs):
        idp = self.client("cognito-idp")
        pool = idp.describe_user_pool(UserPoolId=outputs["UserPoolId"])["UserPool"]
        self.assertEqual(pool["Name"], f"{STACK}-users")
        self.assertEqual(pool["UsernameAttributes"], ["email"])
        self.assertEqual(pool["Policies"]["PasswordPolicy"]["MinimumLength"], 12)
        app = idp.describe_user_pool_client(UserPoolId=outputs["UserPoolId"],
                                            ClientId=outputs["UserPoolClientId"])["UserPoolClient"]
        self.assertNotIn("ClientSecret", app)
        gw = self.client("apigatewayv2")
        api_id = outputs["ApiUrl"].split("//")[1].split(".")[0]
        api = gw.get_api(ApiId=api_id)
        self.assertEqual(api["ProtocolType"], "HTTP")
        site = outputs["SiteUrl"]
        self.assertEqual(api["CorsConfiguration"]["AllowOrigins"], [site])
        # moto has no GetAuthorizers: the one the stack made, by its id.
        auth = [gw.get_authorizer(ApiId=api_id, AuthorizerId=self.stack_resource("HttpApiAuthorizer"))]
        self.assertEqual(auth[0]["AuthorizerType"], "JWT")
        self.assertEqual(auth[0]["JwtConfiguration"]["Issuer"],
                         f"https://cognito-idp.{REGION}.amazonaws.com/{outputs['UserPoolId']}")
        self.assertEqual(auth[0]["JwtConfiguration"]["Audience"], [outputs["UserPoolClientId"]])
        routes = gw.get_routes(ApiId=api_id)["Items"]
        self.assertEqual(sorted(r["RouteKey"] for r in routes),
                         ["DELETE /api/{proxy+}", "GET /api/public/{proxy+}", "GET /api/{proxy+}", "POST /api/{proxy+}"])
        for r in routes:
            if r["RouteKey"] == "GET /api/public/{proxy+}":  # share links' page: the token is the credential
                self.assertEqual(r["AuthorizationType"], "NONE")
                self.assertFalse(r.get("AuthorizerId"))
                continue
            self.assertEqual((r["AuthorizationType"], r["AuthorizerId"]), ("JWT", auth[0]["AuthorizerId"]))
        integ = gw.get_integrations(ApiId=api_id)["Items"]
        self.assertEqual(integ[0]["IntegrationUri"],
                         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{API}")

    def step_site_published_with_config(self, outputs, jobs):
        apps = self.shim.get_json("/_shim/amplify")
        self.assertEqual(len(apps), 1)
        app = next(iter(apps.values()))
        self.assertEqual(app["app"]["appId"], outputs["AmplifyAppId"])
        self.assertEqual(list(app["branches"]), ["main"])
        self.assertEqual(len(app["jobs"]), jobs)
        job = app["jobs"][str(jobs)]
        self.assertEqual(job["status"], "SUCCEED")
        with zipfile.ZipFile(job["zip"]) as z:
            self.assertEqual(sorted(z.namelist()), ["assets/app.js", "config.json", "index.html"])
            config = json.loads(z.read("config.json"))
        self.assertEqual(config, {"apiBaseUrl": outputs["ApiUrl"],
                                  "auth": {"mode": "cognito", "region": REGION, "userPoolId": outputs["UserPoolId"],
                                           "clientId": outputs["UserPoolClientId"], "endpoint": self.shim.url}})
        self.assertFalse(os.path.exists(os.path.join(self.site, "config.json")), "deploy.sh wrote into --web-dist")

    def step_redrive(self, outputs):
        sqs = self.client("sqs")
        event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": BUCKET}, "object": {"key": "uploads/u1/x", "size": 1}}}]}
        sqs.send_message(QueueUrl=outputs["DeadLetterQueueUrl"], MessageBody=json.dumps(event))
        rc, out = self.run_deploy("redrive")
        self.assertEqual(rc, 0, out)
        self.assertIn(f"sent 1 event(s) back to {EXTRACTOR}", out)
        left = sqs.get_queue_attributes(QueueUrl=outputs["DeadLetterQueueUrl"],
                                        AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(left["ApproximateNumberOfMessages"], "0")

    def step_destroy(self, outputs):
        s3 = self.client("s3")
        s3.put_object(Bucket=BUCKET, Key="uploads/u1/01JAAAAAAAAAAAAAAAAAAAAAAA", Body=b"\xff\xd8\xff")
        s3.create_multipart_upload(Bucket=BUCKET, Key="uploads/u1/01JBBBBBBBBBBBBBBBBBBBBBBB")
        rc, out = self.run_deploy("destroy")  # stdin is not a terminal and no --yes: refused
        self.assertNotEqual(rc, 0, out)
        self.assertIn("--yes", out)
        self.assertEqual(len(s3.list_objects_v2(Bucket=BUCKET)["Contents"]), 1)
        # Without --delete-data the images, the table and the accounts stay (DeletionPolicy Retain).
        rc, out = self.run_deploy("destroy", "--yes")
        self.assertEqual(rc, 0, out)
        self.assertIn("kept (DeletionPolicy Retain)", out)
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], [BUCKET])
        self.assertEqual(len(s3.list_objects_v2(Bucket=BUCKET)["Contents"]), 1)
        self.assertEqual(self.client("dynamodb").list_tables()["TableNames"], [TABLE])
        self.assertEqual(len(self.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]), 1)
        self.assertEqual(self.client("lambda").list_functions()["Functions"], [])
        # A new deploy under the same name refuses to start over the kept data.
        rc, out = self.run_deploy("deploy", "--packages", self.packages, "--web-dist", self.site)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("left from an earlier stack", out)
        rc, out = self.run_deploy("destroy", "--yes", "--delete-data")
        self.assertEqual(rc, 0, out)
        self.assertEqual(s3.list_buckets()["Buckets"], [])
        self.assertEqual(self.client("lambda").list_functions()["Functions"], [])
        self.assertEqual(self.client("dynamodb").list_tables()["TableNames"], [])
        self.assertEqual(self.client("sqs").list_queues().get("QueueUrls", []), [])
        self.assertEqual(self.client("sns").list_topics()["Topics"], [])
        self.assertEqual(self.client("s3").list_buckets()["Buckets"], [])
        self.assertEqual(self.client("logs").describe_log_groups()["logGroups"], [])
        self.assertEqual([r["RoleName"] for r in self.client("iam").list_roles()["Roles"]
                          if r["RoleName"].startswith(STACK)], [])
        self.assertEqual(self.client("cloudwatch").describe_alarms()["MetricAlarms"], [])
        self.assertEqual(self.client("cloudwatch").list_dashboards()["DashboardEntries"], [])
        self.assertEqual(self.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"], [])
        self.assertEqual(self.client("apigatewayv2").get_apis()["Items"], [])
        self.assertEqual(self.shim.get_json("/_shim/amplify"), {})
        stacks = self.client("cloudformation").list_stacks()["StackSummaries"]
        self.assertTrue(all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks), stacks)
        rc, out = self.run_deploy("destroy", "--yes")  # idempotent
        self.assertEqual(rc, 0, out)
        self.assertIn("no stack", out)


if __name__ == "__main__":
    unittest.main()
