"""Reads deploy/template.yaml and checks what moto cannot model (it accepts and skips it;
docs/deploy.md, "What the local tests cannot show"): the bucket's notifications to the one
event topic and what subscribes to it, Block Public Access, encryption, CORS and lifecycle;
the data that outlives the stack (Retain); the table's PITR, SSE and GSIs; the three
functions' settings and environment against what `imgmeta lambda` reads; the HTTP API and
its JWT authorizer; Cognito and its email; alarms and their targets; the dashboard; Amplify
and its headers; outputs."""

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

    def test_notifications_on_uploads_prefix_go_to_the_one_topic(self):
        n = self.p["NotificationConfiguration"]
        self.assertEqual(set(n), {"TopicConfigurations"}, "every consumer hangs off the topic, none off the bucket")
        events = {}
        for c in n["TopicConfigurations"]:
            self.assertEqual(c["Topic"], {"Ref": "EventTopic"})
            rules = c["Filter"]["S3Key"]["Rules"]
            self.assertEqual(rules, [{"Name": "prefix", "Value": "uploads/"}])
            events[c["Event"]] = c
        self.assertEqual(set(events), {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"})

    def test_s3_may_publish_before_the_notification_is_saved(self):
        self.assertIn("EventTopicPolicy", cfn.as_list(R[self.id].get("DependsOn", [])))
        pol = props("EventTopicPolicy")
        self.assertEqual(pol["Topics"], [{"Ref": "EventTopic"}])
        [st] = pol["PolicyDocument"]["Statement"]
        self.assertEqual((st["Effect"], st["Principal"], st["Action"]),
                         ("Allow", {"Service": "s3.amazonaws.com"}, "sns:Publish"))
        self.assertEqual(st["Condition"]["ArnLike"]["aws:SourceArn"], {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + BUCKET_NAME})
        self.assertEqual(st["Condition"]["StringEquals"]["aws:SourceAccount"], {"Ref": "AWS::AccountId"})

    def test_images_outlive_the_stack(self):
        self.assertEqual(R[self.id]["DeletionPolicy"], "Retain")
        self.assertEqual(R[self.id]["UpdateReplacePolicy"], "Retain")

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


class FanOut(unittest.TestCase):
    """One SNS topic (KMS-encrypted) that the bucket publishes to and every consumer
    subscribes to: the two functions always, a queue for imgmeta serve when asked for."""

    def test_topic_is_encrypted_with_a_key_s3_may_use(self):
        topic = props("EventTopic")
        self.assertEqual(R["EventTopic"]["Type"], "AWS::SNS::Topic")
        self.assertEqual(topic["KmsMasterKeyId"], {"Fn::GetAtt": ["EventKey", "Arn"]})
        key = props("EventKey")
        self.assertEqual(R["EventKey"]["Type"], "AWS::KMS::Key")
        self.assertIs(key["EnableKeyRotation"], True)
        s3 = [st for st in key["KeyPolicy"]["Statement"] if st["Principal"] == {"Service": "s3.amazonaws.com"}]
        self.assertEqual(len(s3), 1)
        self.assertEqual(set(s3[0]["Action"]), {"kms:GenerateDataKey", "kms:Decrypt"})
        self.assertEqual(s3[0]["Condition"], {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}})

    def test_both_functions_subscribe_with_permission_first(self):
        subs = cfn.resources(T, "AWS::SNS::Subscription")
        lambdas = {sid: p for sid, p in subs.items() if p["Protocol"] == "lambda"}
        self.assertEqual({p["Endpoint"]["Fn::GetAtt"][0] for p in lambdas.values()},
                         {"ExtractorFunction", "PreviewFunction"})
        for sid, p in lambdas.items():
            self.assertEqual(p["TopicArn"], {"Ref": "EventTopic"}, sid)
            fn = p["Endpoint"]["Fn::GetAtt"][0]
            perm_id = cfn.as_list(R[sid]["DependsOn"])[0]
            perm = props(perm_id)
            self.assertEqual(perm["FunctionName"], {"Fn::GetAtt": [fn, "Arn"]})
            self.assertEqual(perm["Principal"], "sns.amazonaws.com")
            self.assertEqual(perm["SourceArn"], {"Ref": "EventTopic"})
        # Nothing may invoke a function straight from the bucket any more.
        for pid, perm in cfn.resources(T, "AWS::Lambda::Permission").items():
            self.assertNotEqual(perm["Principal"], "s3.amazonaws.com", pid)

    def test_optional_queue_for_serve(self):
        self.assertEqual(T["Parameters"]["ServeQueue"]["Default"], "false")
        for rid in ("ServeEventQueue", "ServeEventDeadLetterQueue", "ServeEventQueuePolicy", "ServeEventSubscription"):
            self.assertEqual(R[rid]["Condition"], "HasServeQueue", rid)
        sub = props("ServeEventSubscription")
        self.assertEqual((sub["Protocol"], sub["Endpoint"]), ("sqs", {"Fn::GetAtt": ["ServeEventQueue", "Arn"]}))
        self.assertNotIn("RawMessageDelivery", sub)  # serve reads the SNS envelope (src/pipeline/event.hpp)
        [st] = props("ServeEventQueuePolicy")["PolicyDocument"]["Statement"]
        self.assertEqual(st["Principal"], {"Service": "sns.amazonaws.com"})
        self.assertEqual(st["Condition"], {"ArnEquals": {"aws:SourceArn": {"Ref": "EventTopic"}}})
        self.assertEqual(props("ServeEventQueue")["RedrivePolicy"]["deadLetterTargetArn"],
                         {"Fn::GetAtt": ["ServeEventDeadLetterQueue", "Arn"]})
        self.assertEqual(T["Outputs"]["ServeEventQueueUrl"]["Condition"], "HasServeQueue")


class Table(unittest.TestCase):
    def setUp(self):
        self.id, self.p = "MetadataTable", R["MetadataTable"]["Properties"]

    def test_records_outlive_the_stack(self):
        self.assertEqual(R[self.id]["DeletionPolicy"], "Retain")
        self.assertEqual(R[self.id]["UpdateReplacePolicy"], "Retain")

    def test_on_demand_pitr_sse(self):
        self.assertEqual(self.p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIs(self.p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], True)
        self.assertIs(self.p["SSESpecification"]["SSEEnabled"], True)
        self.assertEqual(self.p["TimeToLiveSpecification"], {"AttributeName": "ttl", "Enabled": True})

    def test_keys_and_gsis_match_the_store(self):
        # src/aws/dynamo_metadata_store.cpp, create_table_request: the layout the code queries.
        src = read_source("src/aws/dynamo_metadata_store.cpp")
        wanted = dict(re.findall(r'gsi\("(\w+)", "\w+", "(\w+)"\)', src))
        self.assertEqual(set(wanted), {"byUploaded", "byTaken", "bySha256", "byTrashed"})
        self.assertEqual(self.p["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                               {"AttributeName": "imageId", "KeyType": "RANGE"}])
        gsis = {g["IndexName"]: g for g in self.p["GlobalSecondaryIndexes"]}
        self.assertEqual(set(gsis), set(wanted))
        for name, projection in wanted.items():
            self.assertEqual(gsis[name]["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                                       {"AttributeName": name, "KeyType": "RANGE"}])
            self.assertEqual(gsis[name]["Projection"]["ProjectionType"], projection)
        attrs = {a["AttributeName"]: a["AttributeType"] for a in self.p["AttributeDefinitions"]}
        self.assertEqual(attrs, {a: "S" for a in ("owner", "imageId", "byUploaded", "byTaken", "bySha256", "byTrashed")})


class SharesTable(unittest.TestCase):
    """Share links' table: the layout of src/aws/dynamo_share_store.cpp, create_table_request."""

    def setUp(self):
        self.assertEqual(set(cfn.resources(T, "AWS::DynamoDB::Table")), {"MetadataTable", "SharesTable"})
        self.p = R["SharesTable"]["Properties"]

    def test_keyed_by_token_hash_with_an_owner_index_and_ttl(self):
        src = read_source("src/aws/dynamo_share_store.cpp")
        self.assertIn('"tokenHash"', src)
        self.assertIn('kOwnerIndex[] = "byOwner"', src)
        self.assertEqual(self.p["KeySchema"], [{"AttributeName": "tokenHash", "KeyType": "HASH"}])
        gsis = {g["IndexName"]: g for g in self.p["GlobalSecondaryIndexes"]}
        self.assertEqual(set(gsis), {"byOwner"})
        self.assertEqual(gsis["byOwner"]["KeySchema"], [{"AttributeName": "owner", "KeyType": "HASH"},
                                                        {"AttributeName": "shareId", "KeyType": "RANGE"}])
        self.assertEqual(self.p["TimeToLiveSpecification"], {"AttributeName": "ttl", "Enabled": True})
        self.assertEqual(self.p["BillingMode"], "PAY_PER_REQUEST")
        self.assertIs(self.p["SSESpecification"]["SSEEnabled"], True)

    def test_api_function_knows_the_table_and_the_site(self):
        env = props("ApiFunction")["Environment"]["Variables"]
        self.assertEqual(env["SHARES_TABLE"], {"Ref": "SharesTable"})
        self.assertIn("SITE_URL", env)


class Functions(unittest.TestCase):
    def env_names_read(self):
        src = read_source("src/lambda/lambda_command.cpp")
        return set(re.findall(r'env\("([A-Z_]+)"', src))

    def test_runtime_handler_and_environment(self):
        read = self.env_names_read()
        expected = {"ExtractorFunction": ("extract", {"BUCKET_NAME", "TABLE_NAME"}),
                    "PreviewFunction": ("preview", {"BUCKET_NAME", "TABLE_NAME"}),
                    "ApiFunction": ("api", {"BUCKET_NAME", "TABLE_NAME", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID",
                                            "SHARES_TABLE", "SITE_URL", "TRASH_DAYS"}),
                    "PurgeFunction": ("purge", {"BUCKET_NAME", "TABLE_NAME", "TRASH_DAYS"})}
        self.assertEqual(set(cfn.resources(T, "AWS::Lambda::Function")), set(expected))
        for fid, (handler, env) in expected.items():
            p = props(fid)
            self.assertEqual(p["Runtime"], "provided.al2023")
            self.assertEqual(p["Handler"], handler)
            self.assertEqual(p["TracingConfig"], {"Mode": {"Ref": "Tracing"}}, fid)
            if fid == "PreviewFunction":  # its own zip (bootstrap + preview module), or the common one
                self.assertEqual(p["Code"], {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {
                    "Fn::If": ["HasPreviewCode", {"Ref": "PreviewCodeKey"}, {"Ref": "LambdaCodeKey"}]}})
            else:
                self.assertEqual(p["Code"], {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "LambdaCodeKey"}})
            variables = p["Environment"]["Variables"]
            self.assertEqual(set(variables), env)
            self.assertLessEqual(set(variables), read, "a variable imgmeta lambda does not read")
            self.assertEqual(variables["TABLE_NAME"], {"Ref": "MetadataTable"})
            self.assertEqual(variables["BUCKET_NAME"], {"Fn::Sub": BUCKET_NAME})
        api = props("ApiFunction")["Environment"]["Variables"]
        self.assertEqual(api["COGNITO_USER_POOL_ID"], {"Ref": "UserPool"})
        self.assertEqual(api["COGNITO_CLIENT_ID"], {"Ref": "UserPoolClient"})
        # The API's purgeAt and the purge's cut-off come from the one parameter.
        for fid in ("ApiFunction", "PurgeFunction"):
            self.assertEqual(props(fid)["Environment"]["Variables"]["TRASH_DAYS"], {"Ref": "TrashDays"}, fid)

    def test_trash_purge_runs_daily_from_its_own_rule_only(self):
        self.assertEqual(T["Parameters"]["TrashDays"]["Default"], 30)
        self.assertEqual(T["Parameters"]["TrashDays"]["MinValue"], 0)
        rules = cfn.resources(T, "AWS::Events::Rule")
        self.assertEqual(list(rules), ["PurgeSchedule"])
        rule = rules["PurgeSchedule"]
        self.assertEqual(rule["ScheduleExpression"], "rate(1 day)")
        self.assertEqual(rule["State"], "ENABLED")
        self.assertEqual([t["Arn"] for t in rule["Targets"]], [{"Fn::GetAtt": ["PurgeFunction", "Arn"]}])
        perms = {pid: p for pid, p in cfn.resources(T, "AWS::Lambda::Permission").items()
                 if p["FunctionName"] == {"Fn::GetAtt": ["PurgeFunction", "Arn"]}}
        self.assertEqual(len(perms), 1, perms)
        perm = next(iter(perms.values()))
        self.assertEqual(perm["Principal"], "events.amazonaws.com")
        self.assertEqual(perm["SourceArn"], {"Fn::GetAtt": ["PurgeSchedule", "Arn"]})
        p = props("PurgeFunction")
        self.assertEqual(p["Role"], {"Fn::GetAtt": ["PurgeRole", "Arn"]})
        self.assertGreaterEqual(p["Timeout"], 60)

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

    def test_preview_sizing_and_dead_letters(self):
        p = props("PreviewFunction")
        self.assertEqual(p["FunctionName"], {"Fn::Sub": "${AWS::StackName}-imgmetaPreview"})
        self.assertEqual(p["MemorySize"], {"Ref": "PreviewMemorySize"})
        self.assertEqual(p["Timeout"], {"Ref": "PreviewTimeout"})
        self.assertEqual(T["Parameters"]["PreviewMemorySize"]["Default"], 1024)
        self.assertEqual(T["Parameters"]["PreviewTimeout"]["Default"], 60)
        self.assertEqual(p["DeadLetterConfig"]["TargetArn"], {"Fn::GetAtt": ["PreviewDeadLetterQueue", "Arn"]})
        self.assertEqual(p["Role"], {"Fn::GetAtt": ["PreviewRole", "Arn"]})
        self.assertEqual(props("PreviewInvokeConfig")["FunctionName"], {"Ref": "PreviewFunction"})
        self.assertNotEqual(p["LoggingConfig"]["LogGroup"], props("ExtractorFunction")["LoggingConfig"]["LogGroup"])

    def test_tracing_parameter(self):
        self.assertEqual(T["Parameters"]["Tracing"]["AllowedValues"], ["PassThrough", "Active"])
        self.assertEqual(T["Parameters"]["Tracing"]["Default"], "PassThrough")

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
        # The one public route: what a share link's page reads (the token is the credential).
        public = {rid: r for rid, r in routes.items() if r["RouteKey"].startswith("GET /api/public/")}
        self.assertEqual(list(public), ["HttpApiPublicRoute"])
        self.assertEqual(public["HttpApiPublicRoute"]["RouteKey"], "GET /api/public/{proxy+}")
        self.assertEqual(public["HttpApiPublicRoute"]["AuthorizationType"], "NONE")
        self.assertNotIn("AuthorizerId", public["HttpApiPublicRoute"])
        routes = {rid: r for rid, r in routes.items() if rid not in public}
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

    def test_accounts_outlive_the_stack(self):
        pid, pool = one("AWS::Cognito::UserPool")
        self.assertEqual(R[pid]["DeletionPolicy"], "Retain")
        self.assertEqual(R[pid]["UpdateReplacePolicy"], "Retain")
        self.assertEqual(pool["DeletionProtection"], "ACTIVE")

    def test_email_through_ses_when_an_identity_is_given(self):
        _, pool = one("AWS::Cognito::UserPool")
        cond, ses, default = pool["EmailConfiguration"]["Fn::If"]
        self.assertEqual(cond, "HasSesIdentity")
        self.assertEqual(ses["EmailSendingAccount"], "DEVELOPER")
        self.assertEqual(ses["SourceArn"], {"Ref": "SesIdentityArn"})
        self.assertEqual(default, {"EmailSendingAccount": "COGNITO_DEFAULT"})
        self.assertEqual(T["Parameters"]["SesIdentityArn"]["Default"], "")
        self.assertEqual(T["Conditions"]["HasSesIdentity"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "SesIdentityArn"}, ""]}]})

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

    def metrics_of(self, a):
        if "MetricName" in a:
            return [(a["Namespace"], a["MetricName"], a["Dimensions"])]
        stats = [m["MetricStat"]["Metric"] for m in a["Metrics"] if "MetricStat" in m]
        return [(m["Namespace"], m["MetricName"], m["Dimensions"]) for m in stats]

    def test_every_watched_metric(self):
        found = set()
        for aid, a in self.alarms().items():
            for ns, name, dims in self.metrics_of(a):
                found.add((ns, name, json.dumps(dims, sort_keys=True)))

        def key(ns, name, *dims):
            return (ns, name, json.dumps([{"Name": d, "Value": v} for d, v in dims], sort_keys=True))
        fn = lambda f: ("FunctionName", {"Ref": f})  # noqa: E731
        table = ("TableName", {"Ref": "MetadataTable"})
        want = {key("AWS/Lambda", "Errors", fn("ExtractorFunction")),
                key("AWS/Lambda", "Throttles", fn("ExtractorFunction")),
                key("AWS/Lambda", "Duration", fn("ExtractorFunction")),
                key("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                    ("QueueName", {"Fn::GetAtt": ["ExtractorDeadLetterQueue", "QueueName"]})),
                key("AWS/ApiGateway", "5xx", ("ApiId", {"Ref": "HttpApi"})),
                key("AWS/Lambda", "Errors", fn("ApiFunction")),
                key("AWS/Lambda", "Throttles", fn("ApiFunction")),
                key("AWS/Lambda", "Errors", fn("PreviewFunction")),
                key("AWS/DynamoDB", "ReadThrottleEvents", table),
                key("AWS/DynamoDB", "WriteThrottleEvents", table)}
        self.assertLessEqual(want, found)
        # SystemErrors exists per operation only: every operation the code uses is summed.
        ops = {json.loads(d)[1]["Value"] for ns, name, d in found if name == "SystemErrors"}
        self.assertEqual(ops, {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"})

    def test_table_alarms_sum_their_metrics(self):
        for aid in ("TableThrottlesAlarm", "TableSystemErrorsAlarm"):
            a = props(aid)
            ids = [m["Id"] for m in a["Metrics"] if "MetricStat" in m]
            [expr] = [m for m in a["Metrics"] if "Expression" in m]
            self.assertEqual(set(re.findall(r"m\d", expr["Expression"])), set(ids), aid)
            self.assertIs(expr["ReturnData"], True)

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
    def test_security_headers_like_imgmeta_serve(self):
        import yaml
        _, app = one("AWS::Amplify::App")
        text = app["CustomHeaders"]["Fn::Sub"]
        doc = yaml.safe_load(text)
        every = [h for h in doc["customHeaders"] if h["pattern"] == "**"][0]["headers"]
        headers = {h["key"]: h["value"] for h in every}
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("max-age=", headers["Strict-Transport-Security"])
        self.assertIn("Referrer-Policy", headers)
        csp = headers["Content-Security-Policy"]
        # The directives imgmeta serve sends (src/http/local_server.cpp, build_csp).
        src = read_source("src/http/local_server.cpp")
        for d in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
                  "base-uri 'self'", "form-action 'self'"):
            self.assertIn(d, src)
            self.assertIn(d, csp)
        # The page's AWS origins: the API, S3 and Cognito.
        self.assertIn("execute-api.${AWS::Region}", csp)
        self.assertIn("https://cognito-idp.${AWS::Region}", csp)
        self.assertIn("https://s3.${AWS::Region}", csp)
        self.assertIn("https://tile.openstreetmap.org", csp)  # the map's default tiles
        # Hashed assets are cached for good; the page and its config never.
        by_pattern = {h["pattern"]: {x["key"]: x["value"] for x in h["headers"]} for h in doc["customHeaders"]}
        self.assertIn("immutable", by_pattern["assets/**"]["Cache-Control"])
        self.assertEqual(by_pattern["index.html"]["Cache-Control"], "no-cache")
        self.assertEqual(by_pattern["config.json"]["Cache-Control"], "no-cache")
        for name in re.findall(r"\$\{([^}]+)\}", text):
            self.assertTrue(name.startswith("AWS::"), name)

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
        for k in ("SiteUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "BucketName", "TableName",
                  "EventTopicArn", "PreviewFunctionName"):
            self.assertIn(k, outs)
        self.assertEqual(outs["SiteUrl"]["Value"], {"Fn::Sub": "https://${SiteBranch}.${AmplifyApp.DefaultDomain}"})
        self.assertEqual(outs["ApiUrl"]["Value"], {"Fn::GetAtt": ["HttpApi", "ApiEndpoint"]})

    def test_every_output_deploy_sh_reads_exists(self):
        used = set(re.findall(r"out\[(\w+)\]", read_source("deploy/deploy.sh")))
        self.assertTrue({"ApiUrl", "UserPoolId", "AmplifyAppId"} <= used)
        self.assertLessEqual(used, set(T["Outputs"]))


if __name__ == "__main__":
    unittest.main()
