"""Reads deploy/template.yaml and checks what moto cannot model (it accepts and skips it;
docs/deploy.md, "What the local tests cannot show"): the bucket's notifications, Block
Public Access, encryption, CORS and lifecycle; the table's PITR, SSE and GSIs; the
functions' settings and environment against what `imgmeta lambda` reads; the HTTP API and
its JWT authorizer; Cognito; alarms and their targets; the dashboard; Amplify; outputs."""

import json
import os
import re
import unittest

import cfn

T = cfn.load()
R = T["Resources"]


def props(logical_id):
    return R[logical_id]["Properties"]


def one(type_name):
    found = cfn.resources(T, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.items()))


def read_source(rel):
    with open(os.path.join(cfn.SOURCE, rel), encoding="utf-8") as f:
        return f.read()


BUCKET_NAME = "${AWS::StackName}-images-${AWS::AccountId}-${AWS::Region}"


class Bucket(unittest.TestCase):
    def setUp(self):
        self.id, self.p = one("AWS::S3::Bucket")

    def test_name_is_what_roles_and_permission_use(self):
        self.assertEqual(self.p["BucketName"], {"Fn::Sub": BUCKET_NAME})

    def test_notifications_on_uploads_prefix_to_extractor(self):
        configs = self.p["NotificationConfiguration"]["LambdaConfigurations"]
        events = {}
        for c in configs:
            self.assertEqual(c["Function"], {"Fn::GetAtt": ["ExtractorFunction", "Arn"]})
            rules = c["Filter"]["S3Key"]["Rules"]
            self.assertEqual(rules, [{"Name": "prefix", "Value": "uploads/"}])
            events[c["Event"]] = c
        self.assertEqual(set(events), {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"})
        self.assertNotIn("QueueConfigurations", self.p["NotificationConfiguration"])

    def test_s3_may_invoke_the_extractor_before_the_notification_is_saved(self):
        self.assertIn("ExtractorS3Permission", cfn.as_list(R[self.id].get("DependsOn", [])))
        perm = props("ExtractorS3Permission")
        self.assertEqual(perm["Principal"], "s3.amazonaws.com")
        self.assertEqual(perm["Action"], "lambda:InvokeFunction")
        self.assertEqual(perm["FunctionName"], {"Fn::GetAtt": ["ExtractorFunction", "Arn"]})
        self.assertEqual(perm["SourceArn"], {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + BUCKET_NAME})
        self.assertEqual(perm["SourceAccount"], {"Ref": "AWS::AccountId"})

    def test_block_public_access(self):
        self.assertEqual(self.p["PublicAccessBlockConfiguration"],
                         {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                          "RestrictPublicBuckets": True})
        self.assertEqual(self.p["OwnershipControls"]["Rules"][0]["ObjectOwnership"], "BucketOwnerEnforced")

    def test_encryption(self):
        rule = self.p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        self.assertIn(rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"], ("AES256", "aws:kms"))

    def test_cors_for_presigned_puts_from_the_site(self):
        rules = self.p["CorsConfiguration"]["CorsRules"]
        self.assertEqual(len(rules), 1)
        r = rules[0]
        self.assertIn("PUT", r["AllowedMethods"])
        self.assertIn("GET", r["AllowedMethods"])
        self.assertNotIn("*", json.dumps(r["AllowedOrigins"]))
        site = {"Fn::Sub": "https://${SiteBranch}.${AmplifyApp.DefaultDomain}"}
        branches = r["AllowedOrigins"]["Fn::If"]
        self.assertEqual(branches[0], "HasExtraCorsOrigin")
        self.assertIn(site, branches[1])
        self.assertEqual(branches[2], [site])
        self.assertIn("content-type", [h.lower() for h in r["AllowedHeaders"]])
        self.assertIn("ETag", r["ExposedHeaders"])  # multipart part uploads read it

    def test_lifecycle_aborts_incomplete_multipart_uploads(self):
        rules = self.p["LifecycleConfiguration"]["Rules"]
        abort = [r for r in rules if "AbortIncompleteMultipartUpload" in r]
        self.assertEqual(len(abort), 1)
        self.assertEqual(abort[0]["Status"], "Enabled")
        self.assertGreaterEqual(int(abort[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]), 1)

    def test_bucket_policy_only_denies_plain_http(self):
        _, bp = one("AWS::S3::BucketPolicy")
        self.assertEqual(bp["Bucket"], {"Ref": self.id})
        for s in bp["PolicyDocument"]["Statement"]:
            self.assertEqual(s["Effect"], "Deny")
            self.assertEqual(s["Condition"], {"Bool": {"aws:SecureTransport": "false"}})


class Table(unittest.TestCase):
    def setUp(self):
        self.id, self.p = one("AWS::DynamoDB::Table")

    def test_on_demand_pitr_sse(self):
        self.assertEqual(self.p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIs(self.p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], True)
        self.assertIs(self.p["SSESpecification"]["SSEEnabled"], True)
        self.assertEqual(self.p["TimeToLiveSpecification"], {"AttributeName": "ttl", "Enabled": True})

    def test_keys_and_gsis_match_the_store(self):
        # src/aws/dynamo_metadata_store.cpp, create_table_request: the layout the code queries.
        src = read_source("src/aws/dynamo_metadata_store.cpp")
        wanted = dict(re.findall(r'gsi\("(\w+)", "\w+", "(\w+)"\)', src))
        self.assertEqual(set(wanted), {"byUploaded", "byTaken", "bySha256"})
        self.assertEqual(self.p["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                               {"AttributeName": "imageId", "KeyType": "RANGE"}])
        gsis = {g["IndexName"]: g for g in self.p["GlobalSecondaryIndexes"]}
        self.assertEqual(set(gsis), set(wanted))
        for name, projection in wanted.items():
            self.assertEqual(gsis[name]["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                                       {"AttributeName": name, "KeyType": "RANGE"}])
            self.assertEqual(gsis[name]["Projection"]["ProjectionType"], projection)
        attrs = {a["AttributeName"]: a["AttributeType"] for a in self.p["AttributeDefinitions"]}
        self.assertEqual(attrs, {a: "S" for a in ("owner", "imageId", "byUploaded", "byTaken", "bySha256")})


class Functions(unittest.TestCase):
    def env_names_read(self):
        src = read_source("src/lambda/lambda_command.cpp")
        return set(re.findall(r'env\("([A-Z_]+)"', src))

    def test_runtime_handler_and_environment(self):
        read = self.env_names_read()
        expected = {"ExtractorFunction": ("extract", {"BUCKET_NAME", "TABLE_NAME"}),
                    "ApiFunction": ("api", {"BUCKET_NAME", "TABLE_NAME", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"})}
        self.assertEqual(set(cfn.resources(T, "AWS::Lambda::Function")), set(expected))
        for fid, (handler, env) in expected.items():
            p = props(fid)
            self.assertEqual(p["Runtime"], "provided.al2023")
            self.assertEqual(p["Handler"], handler)
            self.assertEqual(p["Code"], {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "LambdaCodeKey"}})
            variables = p["Environment"]["Variables"]
            self.assertEqual(set(variables), env)
            self.assertLessEqual(set(variables), read, "a variable imgmeta lambda does not read")
            self.assertEqual(variables["TABLE_NAME"], {"Ref": "MetadataTable"})
            self.assertEqual(variables["BUCKET_NAME"], {"Fn::Sub": BUCKET_NAME})
        api = props("ApiFunction")["Environment"]["Variables"]
        self.assertEqual(api["COGNITO_USER_POOL_ID"], {"Ref": "UserPool"})
        self.assertEqual(api["COGNITO_CLIENT_ID"], {"Ref": "UserPoolClient"})

    def test_extractor_sizing_concurrency_and_dead_letters(self):
        p = props("ExtractorFunction")
        self.assertEqual(p["MemorySize"], {"Ref": "ExtractorMemorySize"})
        self.assertEqual(p["Timeout"], {"Ref": "ExtractorTimeout"})
        self.assertEqual(p["ReservedConcurrentExecutions"],
                         {"Fn::If": ["HasReservedConcurrency", {"Ref": "ExtractorReservedConcurrency"},
                                     {"Ref": "AWS::NoValue"}]})
        self.assertEqual(p["DeadLetterConfig"]["TargetArn"], {"Fn::GetAtt": ["ExtractorDeadLetterQueue", "Arn"]})
        self.assertEqual(R["ExtractorDeadLetterQueue"]["Type"], "AWS::SQS::Queue")
        params = T["Parameters"]
        # Measured peak RSS is under 20 MiB and CPU a few ms (docs/deploy.md, "Sizing").
        self.assertEqual(params["ExtractorMemorySize"]["Default"], 128)
        self.assertLessEqual(params["ExtractorTimeout"]["Default"], 60)
        invoke = props("ExtractorInvokeConfig")
        self.assertEqual(invoke["FunctionName"], {"Ref": "ExtractorFunction"})

    def test_log_groups_with_retention_parameter(self):
        groups = cfn.resources(T, "AWS::Logs::LogGroup")
        self.assertGreaterEqual(len(groups), 3)
        for gid, g in groups.items():
            self.assertEqual(g["RetentionInDays"], {"Ref": "LogRetentionDays"}, gid)
        for fid in cfn.resources(T, "AWS::Lambda::Function"):
            lg = props(fid)["LoggingConfig"]["LogGroup"]
            self.assertIn(lg["Ref"], groups)
            # The name Lambda would pick anyway, so nothing else creates a group without retention.
            self.assertEqual(groups[lg["Ref"]]["LogGroupName"]["Fn::Sub"],
                             "/aws/lambda/" + props(fid)["FunctionName"]["Fn::Sub"])


class HttpApi(unittest.TestCase):
    def test_api_cors(self):
        _, api = one("AWS::ApiGatewayV2::Api")
        self.assertEqual(api["ProtocolType"], "HTTP")
        cors = api["CorsConfiguration"]
        self.assertIn("authorization", [h.lower() for h in cors["AllowHeaders"]])
        self.assertTrue({"GET", "POST", "DELETE"} <= set(cors["AllowMethods"]))
        self.assertNotIn("*", json.dumps(cors["AllowOrigins"]))

    def test_jwt_authorizer_on_every_route(self):
        aid, auth = one("AWS::ApiGatewayV2::Authorizer")
        self.assertEqual(auth["AuthorizerType"], "JWT")
        self.assertEqual(auth["IdentitySource"], ["$request.header.Authorization"])
        jwt = auth["JwtConfiguration"]
        self.assertEqual(jwt["Audience"], [{"Ref": "UserPoolClient"}])
        self.assertEqual(jwt["Issuer"], {"Fn::Sub": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}"})
        routes = cfn.resources(T, "AWS::ApiGatewayV2::Route")
        self.assertGreaterEqual(len(routes), 3)
        _, integ = one("AWS::ApiGatewayV2::Integration")
        iid = next(iter(cfn.resources(T, "AWS::ApiGatewayV2::Integration")))
        methods = set()
        for rid, r in routes.items():
            self.assertEqual(r["AuthorizationType"], "JWT", rid)
            self.assertEqual(r["AuthorizerId"], {"Ref": aid}, rid)
            self.assertEqual(r["Target"], {"Fn::Sub": "integrations/${%s}" % iid}, rid)
            method, path = r["RouteKey"].split(" ", 1)
            self.assertNotIn(method, ("ANY", "OPTIONS"), "preflights must not meet the authorizer")
            self.assertTrue(path.startswith("/api/"), rid)
            methods.add(method)
        self.assertEqual(methods, {"GET", "POST", "DELETE"})
        self.assertEqual(integ["IntegrationType"], "AWS_PROXY")
        self.assertEqual(integ["IntegrationUri"], {"Fn::GetAtt": ["ApiFunction", "Arn"]})
        self.assertEqual(integ["PayloadFormatVersion"], "2.0")
        _, stage = one("AWS::ApiGatewayV2::Stage")
        self.assertEqual(stage["StageName"], "$default")
        self.assertIs(stage["AutoDeploy"], True)
        perm = props("ApiInvokePermission")
        self.assertEqual(perm["Principal"], "apigateway.amazonaws.com")
        self.assertEqual(perm["FunctionName"], {"Fn::GetAtt": ["ApiFunction", "Arn"]})


class Cognito(unittest.TestCase):
    def test_pool(self):
        _, pool = one("AWS::Cognito::UserPool")
        self.assertEqual(pool["UsernameAttributes"], ["email"])
        self.assertEqual(pool["AutoVerifiedAttributes"], ["email"])
        pw = pool["Policies"]["PasswordPolicy"]
        self.assertGreaterEqual(pw["MinimumLength"], 8)
        self.assertTrue(pw["RequireLowercase"] and pw["RequireUppercase"] and pw["RequireNumbers"])
        self.assertEqual(pool["MfaConfiguration"], {"Ref": "MfaConfiguration"})
        self.assertEqual(T["Parameters"]["MfaConfiguration"]["AllowedValues"], ["OFF", "OPTIONAL", "ON"])

    def test_public_client_for_the_web_app(self):
        _, c = one("AWS::Cognito::UserPoolClient")
        self.assertIs(c["GenerateSecret"], False)
        self.assertEqual(c["UserPoolId"], {"Ref": "UserPool"})
        # web/src/auth/cognito.ts signs in with amazon-cognito-identity-js's SRP flow.
        self.assertIn("ALLOW_USER_SRP_AUTH", c["ExplicitAuthFlows"])
        self.assertIn("ALLOW_REFRESH_TOKEN_AUTH", c["ExplicitAuthFlows"])
        self.assertNotIn("ALLOW_USER_PASSWORD_AUTH", c["ExplicitAuthFlows"])


class Alarms(unittest.TestCase):
    def alarms(self):
        return cfn.resources(T, "AWS::CloudWatch::Alarm")

    def metric_of(self, a):
        if "MetricName" in a:
            return a["Namespace"], a["MetricName"], a["Dimensions"]
        stats = [m["MetricStat"]["Metric"] for m in a["Metrics"] if "MetricStat" in m]
        self.assertEqual(len(stats), 1)
        return stats[0]["Namespace"], stats[0]["MetricName"], stats[0]["Dimensions"]

    def test_the_five_alarms(self):
        found = {}
        for aid, a in self.alarms().items():
            ns, name, dims = self.metric_of(a)
            found[(ns, name)] = (aid, dims)
        want = {("AWS/Lambda", "Errors"): ("FunctionName", {"Ref": "ExtractorFunction"}),
                ("AWS/Lambda", "Throttles"): ("FunctionName", {"Ref": "ExtractorFunction"}),
                ("AWS/Lambda", "Duration"): ("FunctionName", {"Ref": "ExtractorFunction"}),
                ("AWS/SQS", "ApproximateNumberOfMessagesVisible"):
                    ("QueueName", {"Fn::GetAtt": ["ExtractorDeadLetterQueue", "QueueName"]}),
                ("AWS/ApiGateway", "5xx"): ("ApiId", {"Ref": "HttpApi"})}
        for key, (dim, value) in want.items():
            self.assertIn(key, found)
            self.assertEqual(found[key][1], [{"Name": dim, "Value": value}], key)

    def test_duration_alarm_is_relative_to_the_timeout(self):
        a = props("ExtractorDurationAlarm")
        expr = [m["Expression"] for m in a["Metrics"] if "Expression" in m][0]
        self.assertIn("${ExtractorTimeout}", expr["Fn::Sub"])
        self.assertLess(a["Threshold"], 100)

    def test_every_alarm_notifies_the_topic(self):
        for aid, a in self.alarms().items():
            self.assertEqual(a["AlarmActions"], [{"Ref": "AlarmTopic"}], aid)
            self.assertEqual(a["TreatMissingData"], "notBreaching", aid)
        self.assertEqual(R["AlarmTopic"]["Type"], "AWS::SNS::Topic")
        sub = R["AlarmEmailSubscription"]
        self.assertEqual(sub["Condition"], "HasAlarmEmail")
        self.assertEqual(sub["Properties"]["Protocol"], "email")
        self.assertEqual(sub["Properties"]["Endpoint"], {"Ref": "AlarmEmail"})


class Dashboard(unittest.TestCase):
    def test_body_is_json_and_graphs_the_emf_metrics(self):
        _, d = one("AWS::CloudWatch::Dashboard")
        text, variables = d["DashboardBody"]["Fn::Sub"]
        for name in re.findall(r"\$\{([^}]+)\}", text):
            self.assertTrue(name in variables or name.startswith("AWS::"), name)
        body = json.loads(re.sub(r"\$\{[^}]+\}", "1", text))
        metrics = set()
        for w in body["widgets"]:
            ns = None
            for m in w.get("properties", {}).get("metrics", []):
                if not isinstance(m[0], str) or m[0] == "...":
                    continue
                ns = ns if m[0] == "." else m[0]  # "." repeats the row above's value
                if ns == "imgmeta":
                    metrics.add(m[1])
        emitted = set()
        for rel in ("src/lambda/extract_handler.cpp", "src/lambda/api_handler.cpp"):
            emitted |= set(re.findall(r'\{"(\w+)", "(?:Count|Bytes|Milliseconds)"\}', read_source(rel)))
        self.assertTrue({"Events", "ImagesProcessed", "Failures", "ExtractMs", "ServerErrors"} <= emitted)
        self.assertLessEqual(metrics, emitted, "the dashboard graphs a metric no handler emits")
        self.assertGreaterEqual(len(metrics), 5)
        alarm_widget = [w for w in body["widgets"] if w["type"] == "alarm"]
        self.assertEqual(len(alarm_widget), 1)
        self.assertEqual(len(alarm_widget[0]["properties"]["alarms"]), len(cfn.resources(T, "AWS::CloudWatch::Alarm")))


class Amplify(unittest.TestCase):
    def test_app_and_branch(self):
        aid, app = one("AWS::Amplify::App")
        self.assertEqual(app["Platform"], "WEB")
        self.assertNotIn("Repository", app)  # deploy.sh publishes manual deployments
        _, branch = one("AWS::Amplify::Branch")
        self.assertEqual(branch["AppId"], {"Fn::GetAtt": [aid, "AppId"]})
        self.assertEqual(branch["BranchName"], {"Ref": "SiteBranch"})
        self.assertIs(branch["EnableAutoBuild"], False)


class Outputs(unittest.TestCase):
    def test_required_outputs(self):
        outs = T["Outputs"]
        for k in ("SiteUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "BucketName", "TableName"):
            self.assertIn(k, outs)
        self.assertEqual(outs["SiteUrl"]["Value"], {"Fn::Sub": "https://${SiteBranch}.${AmplifyApp.DefaultDomain}"})
        self.assertEqual(outs["ApiUrl"]["Value"], {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]})

    def test_every_output_deploy_sh_reads_exists(self):
        used = set(re.findall(r"out\[(\w+)\]", read_source("deploy/deploy.sh")))
        self.assertTrue({"ApiUrl", "UserPoolId", "AmplifyAppId"} <= used)
        self.assertLessEqual(used, set(T["Outputs"]))


if __name__ == "__main__":
    unittest.main()
