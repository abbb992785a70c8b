#!/usr/bin/env python3
"""moto_server with the pieces deploy/template.yaml needs and moto 5.2.1 lacks, for
`deploy/deploy.sh local` and the deploy tests. Usage as moto_server's:
`moto_shim_server.py -H 127.0.0.1 -p 0`. Loopback only; nothing of it runs on AWS.

moto's CloudFormation skips resource types it does not model, and a template that reads
an attribute of a skipped resource (`!GetAtt AmplifyApp.DefaultDomain`) fails to deploy
at all. This server registers small CloudFormation models for those types so that the
stack comes up and every reference resolves to a value of the right shape:

  created through moto's own service APIs (so a test checks them through those APIs):
    AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient   cognito-idp
    AWS::ApiGatewayV2::Api, Authorizer, Integration, Route, Stage   apigatewayv2
    AWS::CloudWatch::Alarm                                  cloudwatch
    AWS::SNS::Subscription                                  sns
    AWS::Lambda::EventInvokeConfig                          lambda
  recorded only (moto has no service, or would enforce it against the tests' plain HTTP):
    AWS::S3::BucketPolicy, AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy
    AWS::Amplify::App, AWS::Amplify::Branch

Every such resource, with its properties as CloudFormation resolved them, is listed at
GET /_shim/resources. The properties reach moto's APIs with the names CloudFormation uses
mapped to the API's; what AWS itself would do with them is not modelled: the deploy
tests read the YAML and run cfn-lint for that.

Amplify Hosting, which moto lacks entirely, is answered here for the calls deploy.sh makes
(requests signed for the service "amplify"): GetApp, GetBranch, ListApps, CreateDeployment
(its zipUploadUrl points back at this server), StartDeployment and GetJob. Uploaded site
zips are kept; GET /_shim/amplify lists the jobs and where their zips are. POST
/_shim/amplify-api {"enabled": false} makes the Amplify API answer HTTP 500 as moto does.

Two moto fixes: a stack created from a change set keeps the Outputs of the empty template
it started with (moto 5.2.1, ChangeSet.apply): here the outputs are rebuilt; a resource whose
Condition is false breaks DescribeStackResource (HTTP 500): here it is left out.

Lambda delivery of SNS messages: moto would run a `lambda` subscription's function in
docker. After POST /_shim/lambda-forward {"url": "http://127.0.0.1:PORT/path"}, every
message SNS publishes to a `lambda` subscription is POSTed there instead (from a background
thread, so the publishing request does not wait) as {"functionArn", "subscriptionArn",
"topicArn", "messageId", "subject", "message"}; deploy/local/aws_local.py runs the function's
bootstrap for it. {"url": null} turns it off again.
"""

import argparse
import io
import json
import os
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
import zipfile

import boto3
from botocore.config import Config
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

import urllib.request

from moto.cloudformation import models as cfn_models
from moto.sns import models as sns_models
from moto.cloudformation.parsing import OutputMap
from moto.core.common_models import CloudFormationModel
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

STATE_LOCK = threading.Lock()
SHIM_RESOURCES = {}      # (stack id, logical id) -> ShimResource
AMPLIFY_APPS = {}        # app id -> {"app": {...}, "branches": {name: {...}}, "jobs": {id: {...}}}
AMPLIFY_API = {"enabled": True}  # POST /_shim/amplify-api {"enabled": false} answers like moto
SELF = {"url": None}     # this server's base URL, learnt from the requests it serves
UPLOAD_DIR = tempfile.mkdtemp(prefix="imgmeta-amplify-")


# ---------------------------------------------------------------- moto fix
_apply = cfn_models.ChangeSet.apply


def _apply_and_refresh_outputs(self):
    _apply(self)
    stack = self.stack
    stack.template = self.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)


cfn_models.ChangeSet.apply = _apply_and_refresh_outputs

# Another: a resource whose Condition is false stays in the stack's map as None, and
# DescribeStackResource then fails with HTTP 500 for every logical id; AWS lists only the
# resources it made.
cfn_models.Stack.stack_resources = property(lambda self: [r for r in self.resource_map.values() if r is not None])


# ---------------------------------------------------------------- SNS -> Lambda forwarding
LAMBDA_FORWARD = {"url": None}
_publish = sns_models.Subscription.publish


def _post_async(url, body):
    def post():
        try:
            req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).read()
        except OSError as e:  # the receiver logs what it got; a lost delivery is logged here
            print(f"moto_shim_server: forwarding to {url} failed: {e}", file=sys.stderr, flush=True)
    threading.Thread(target=post, daemon=True).start()


def _publish_or_forward(self, message, message_id, subject=None, message_attributes=None, group_id=None,
                        deduplication_id=None, message_structure=None):
    url = LAMBDA_FORWARD["url"]
    if self.protocol != "lambda" or not url:
        return _publish(self, message, message_id, subject, message_attributes, group_id, deduplication_id,
                        message_structure)
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    _post_async(url, {"functionArn": self.endpoint, "subscriptionArn": self.arn, "topicArn": self.topic.arn,
                      "messageId": message_id, "subject": subject, "message": message})
    return None


sns_models.Subscription.publish = _publish_or_forward


# ---------------------------------------------------------------- CloudFormation models
def client(service, region):
    return boto3.client(service, endpoint_url=SELF["url"], region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))


def drop_none(d):
    return {k: v for k, v in d.items() if v is not None}


def as_int(v):
    return None if v is None else int(v)


def as_bool(v):
    if v is None or isinstance(v, bool):
        return v
    return str(v).lower() == "true"


class ShimBase:
    """What the models below share: moto's CloudFormationModel protocol over create(),
    update() and destroy() written per type, and the registry."""

    TYPE = ""

    def __init__(self, logical_id, stack_id, properties, account_id, region):
        self.logical_id, self.stack_id = logical_id, stack_id
        self.properties, self.account_id, self.region = properties, account_id, region
        self.physical_resource_id = logical_id
        self.attributes = {}

    @classmethod
    def cloudformation_name_type(cls):
        return ""

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    def get_cfn_attribute(self, name):
        if name not in self.attributes:
            raise ValueError(f"{self.TYPE} {self.logical_id} has no attribute {name} here")
        return self.attributes[name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        r = cls(kwargs["LogicalId"], kwargs["StackId"], cloudformation_json.get("Properties") or {}, account_id,
                region_name)
        r.create()
        with STATE_LOCK:
            SHIM_RESOURCES[(r.stack_id, r.logical_id)] = r
        return r

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name):
        original_resource.properties = cloudformation_json.get("Properties") or {}
        original_resource.update()
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # delete() below does the work

    def delete(self, account_id, region_name):
        self.destroy()
        with STATE_LOCK:
            SHIM_RESOURCES.pop((self.stack_id, self.logical_id), None)

    def create(self):
        pass

    def update(self):
        self.destroy()
        self.create()

    def destroy(self):
        pass

    def describe(self):
        return {"stackId": self.stack_id, "logicalId": self.logical_id, "type": self.TYPE,
                "physicalId": self.physical_resource_id, "attributes": self.attributes, "properties": self.properties}


class UserPool(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::Cognito::UserPool"

    def create(self):
        p = dict(self.properties)
        name = p.pop("UserPoolName", self.logical_id)
        mfas = p.pop("EnabledMfas", None)
        allowed = ("Policies", "MfaConfiguration", "UsernameAttributes", "AutoVerifiedAttributes",
                   "UsernameConfiguration", "Schema", "AccountRecoverySetting", "AdminCreateUserConfig",
                   "VerificationMessageTemplate", "EmailConfiguration", "DeletionProtection")
        args = {k: p[k] for k in allowed if k in p}
        pw = args.get("Policies", {}).get("PasswordPolicy")
        if pw:
            for k in ("MinimumLength", "TemporaryPasswordValidityDays"):
                if k in pw:
                    pw[k] = int(pw[k])
            for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
                if k in pw:
                    pw[k] = as_bool(pw[k])
        if "AdminCreateUserConfig" in args:
            acu = args["AdminCreateUserConfig"]
            acu["AllowAdminCreateUserOnly"] = as_bool(acu.get("AllowAdminCreateUserOnly"))
        for s in args.get("Schema", []):
            for k in ("Required", "Mutable"):
                if k in s:
                    s[k] = as_bool(s[k])
        if "UsernameConfiguration" in args:
            args["UsernameConfiguration"]["CaseSensitive"] = as_bool(args["UsernameConfiguration"]["CaseSensitive"])
        for rm in args.get("AccountRecoverySetting", {}).get("RecoveryMechanisms", []):
            rm["Priority"] = int(rm["Priority"])
        mfa = args.pop("MfaConfiguration", "OFF")
        pool = client("cognito-idp", self.region).create_user_pool(PoolName=name, **args)["UserPool"]
        if mfa != "OFF" or mfas:
            client("cognito-idp", self.region).set_user_pool_mfa_config(
                UserPoolId=pool["Id"], MfaConfiguration=mfa,
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in (mfas or [])})
        self.physical_resource_id = pool["Id"]
        self.attributes = {"Arn": pool["Arn"], "UserPoolId": pool["Id"],
                           "ProviderName": f"cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
                           "ProviderURL": f"https://cognito-idp.{self.region}.amazonaws.com/{pool['Id']}"}

    def update(self):
        pass  # in-place in AWS; the pool keeps its id (and users)

    def destroy(self):
        try:
            client("cognito-idp", self.region).delete_user_pool(UserPoolId=self.physical_resource_id)
        except Exception:  # noqa: BLE001 - already gone
            pass


class UserPoolClient(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::Cognito::UserPoolClient"

    def create(self):
        p = self.properties
        args = drop_none({
            "UserPoolId": p["UserPoolId"], "ClientName": p.get("ClientName", self.logical_id),
            "GenerateSecret": as_bool(p.get("GenerateSecret")), "ExplicitAuthFlows": p.get("ExplicitAuthFlows"),
            "SupportedIdentityProviders": p.get("SupportedIdentityProviders"),
            "PreventUserExistenceErrors": p.get("PreventUserExistenceErrors"),
            "EnableTokenRevocation": as_bool(p.get("EnableTokenRevocation")),
            "AccessTokenValidity": as_int(p.get("AccessTokenValidity")),
            "IdTokenValidity": as_int(p.get("IdTokenValidity")),
            "RefreshTokenValidity": as_int(p.get("RefreshTokenValidity")),
            "TokenValidityUnits": p.get("TokenValidityUnits")})
        c = client("cognito-idp", self.region).create_user_pool_client(**args)["UserPoolClient"]
        self.physical_resource_id = c["ClientId"]
        self.attributes = {"ClientId": c["ClientId"], "Name": c["ClientName"]}

    def update(self):
        pass

    def destroy(self):
        try:
            client("cognito-idp", self.region).delete_user_pool_client(UserPoolId=self.properties["UserPoolId"],
                                                                      ClientId=self.physical_resource_id)
        except Exception:  # noqa: BLE001
            pass


class HttpApi(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::ApiGatewayV2::Api"

    def create(self):
        p = self.properties
        cors = p.get("CorsConfiguration")
        if cors and "MaxAge" in cors:
            cors = dict(cors, MaxAge=int(cors["MaxAge"]))
        api = client("apigatewayv2", self.region).create_api(**drop_none({
            "Name": p["Name"], "ProtocolType": p["ProtocolType"], "CorsConfiguration": cors}))
        self.physical_resource_id = api["ApiId"]
        self.attributes = {"ApiId": api["ApiId"],
                           "ApiEndpoint": f"https://{api['ApiId']}.execute-api.{self.region}.amazonaws.com"}

    def update(self):
        p = self.properties
        cors = p.get("CorsConfiguration")
        if cors and "MaxAge" in cors:
            cors = dict(cors, MaxAge=int(cors["MaxAge"]))
        client("apigatewayv2", self.region).update_api(**drop_none({
            "ApiId": self.physical_resource_id, "Name": p["Name"], "CorsConfiguration": cors}))

    def destroy(self):
        try:
            client("apigatewayv2", self.region).delete_api(ApiId=self.physical_resource_id)
        except Exception:  # noqa: BLE001
            pass


class ApiChild(ShimBase):
    """Authorizer, Integration, Route, Stage: created under their ApiId; update = replace."""

    def api(self):
        return self.properties["ApiId"]

    def destroy(self):
        try:
            self.remove(client("apigatewayv2", self.region))
        except Exception:  # noqa: BLE001 - the API (and this with it) is gone
            pass


class HttpApiAuthorizer(ApiChild, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::ApiGatewayV2::Authorizer"

    def create(self):
        p = self.properties
        a = client("apigatewayv2", self.region).create_authorizer(
            ApiId=self.api(), Name=p["Name"], AuthorizerType=p["AuthorizerType"],
            IdentitySource=p["IdentitySource"], JwtConfiguration=p.get("JwtConfiguration"))
        self.physical_resource_id = a["AuthorizerId"]
        self.attributes = {"AuthorizerId": a["AuthorizerId"]}

    def remove(self, c):
        c.delete_authorizer(ApiId=self.api(), AuthorizerId=self.physical_resource_id)


class HttpApiIntegration(ApiChild, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::ApiGatewayV2::Integration"

    def create(self):
        p = self.properties
        i = client("apigatewayv2", self.region).create_integration(**drop_none({
            "ApiId": self.api(), "IntegrationType": p["IntegrationType"], "IntegrationUri": p.get("IntegrationUri"),
            "PayloadFormatVersion": p.get("PayloadFormatVersion"),
            "TimeoutInMillis": as_int(p.get("TimeoutInMillis"))}))
        self.physical_resource_id = i["IntegrationId"]
        self.attributes = {"IntegrationId": i["IntegrationId"]}

    def remove(self, c):
        c.delete_integration(ApiId=self.api(), IntegrationId=self.physical_resource_id)


class HttpApiRoute(ApiChild, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::ApiGatewayV2::Route"

    def create(self):
        p = self.properties
        r = client("apigatewayv2", self.region).create_route(**drop_none({
            "ApiId": self.api(), "RouteKey": p["RouteKey"], "AuthorizationType": p.get("AuthorizationType"),
            "AuthorizerId": p.get("AuthorizerId"), "Target": p.get("Target")}))
        self.physical_resource_id = r["RouteId"]
        self.attributes = {"RouteId": r["RouteId"]}

    def remove(self, c):
        c.delete_route(ApiId=self.api(), RouteId=self.physical_resource_id)


class HttpApiStage(ApiChild, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::ApiGatewayV2::Stage"

    def create(self):
        p = self.properties
        settings = p.get("DefaultRouteSettings")
        if settings:
            settings = {k: (int(v) if k == "ThrottlingBurstLimit" else float(v) if k == "ThrottlingRateLimit" else v)
                        for k, v in settings.items()}
        client("apigatewayv2", self.region).create_stage(**drop_none({
            "ApiId": self.api(), "StageName": p["StageName"], "AutoDeploy": as_bool(p.get("AutoDeploy")),
            "DefaultRouteSettings": settings, "AccessLogSettings": p.get("AccessLogSettings")}))
        self.physical_resource_id = p["StageName"]

    def remove(self, c):
        c.delete_stage(ApiId=self.api(), StageName=self.physical_resource_id)


class Alarm(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::CloudWatch::Alarm"

    def create(self):
        p = self.properties
        metrics = None
        if p.get("Metrics"):
            metrics = []
            for m in p["Metrics"]:
                q = {k: m[k] for k in ("Id", "Expression", "Label") if k in m}
                if "ReturnData" in m:
                    q["ReturnData"] = as_bool(m["ReturnData"])
                if "MetricStat" in m:
                    ms = m["MetricStat"]
                    q["MetricStat"] = {"Metric": ms["Metric"], "Period": int(ms["Period"]), "Stat": ms["Stat"]}
                metrics.append(q)
        args = drop_none({
            "AlarmName": p.get("AlarmName", self.logical_id), "AlarmDescription": p.get("AlarmDescription"),
            "Namespace": p.get("Namespace"), "MetricName": p.get("MetricName"), "Dimensions": p.get("Dimensions"),
            "Statistic": p.get("Statistic"), "Period": as_int(p.get("Period")),
            "EvaluationPeriods": int(p["EvaluationPeriods"]), "Threshold": float(p["Threshold"]),
            "ComparisonOperator": p["ComparisonOperator"], "TreatMissingData": p.get("TreatMissingData"),
            "AlarmActions": p.get("AlarmActions"), "OKActions": p.get("OKActions"), "Metrics": metrics})
        cw = client("cloudwatch", self.region)
        cw.put_metric_alarm(**args)
        self.physical_resource_id = args["AlarmName"]
        self.attributes = {"Arn": cw.describe_alarms(AlarmNames=[args["AlarmName"]])["MetricAlarms"][0]["AlarmArn"]}

    def destroy(self):
        client("cloudwatch", self.region).delete_alarms(AlarmNames=[self.physical_resource_id])


class Subscription(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::SNS::Subscription"

    def create(self):
        p = self.properties
        s = client("sns", self.region).subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"],
                                                 Endpoint=p["Endpoint"])
        self.physical_resource_id = s["SubscriptionArn"]

    def destroy(self):
        client("sns", self.region).unsubscribe(SubscriptionArn=self.physical_resource_id)


class BucketPolicy(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::S3::BucketPolicy"

    # Recorded only: moto evaluates bucket policies, and the template's DenyPlainHttp
    # statement would refuse every request the tests make over plain-HTTP loopback.
    def create(self):
        self.physical_resource_id = self.properties["Bucket"]


class TopicPolicy(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::SNS::TopicPolicy"

    # Recorded only: moto does not check who publishes to a topic.
    def create(self):
        self.physical_resource_id = f"{self.logical_id}-{secrets.token_hex(4)}"


class QueuePolicy(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::SQS::QueuePolicy"

    # Recorded only: moto does not check who sends to a queue.
    def create(self):
        self.physical_resource_id = f"{self.logical_id}-{secrets.token_hex(4)}"


class EventInvokeConfig(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::Lambda::EventInvokeConfig"

    def create(self):
        p = self.properties
        client("lambda", self.region).put_function_event_invoke_config(**drop_none({
            "FunctionName": p["FunctionName"], "Qualifier": p.get("Qualifier"),
            "MaximumRetryAttempts": as_int(p.get("MaximumRetryAttempts")),
            "MaximumEventAgeInSeconds": as_int(p.get("MaximumEventAgeInSeconds")),
            "DestinationConfig": p.get("DestinationConfig")}))
        self.physical_resource_id = p["FunctionName"]

    def destroy(self):
        try:
            client("lambda", self.region).delete_function_event_invoke_config(FunctionName=self.physical_resource_id)
        except Exception:  # noqa: BLE001 - the function went first
            pass


class AmplifyApp(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::Amplify::App"

    def create(self):
        app_id = "d" + secrets.token_hex(6)
        arn = f"arn:aws:amplify:{self.region}:{self.account_id}:apps/{app_id}"
        self.physical_resource_id = arn  # Ref of an Amplify app is its ARN
        self.attributes = {"AppId": app_id, "Arn": arn, "AppName": self.properties.get("Name"),
                           "DefaultDomain": f"{app_id}.amplifyapp.com"}
        with STATE_LOCK:
            AMPLIFY_APPS[app_id] = {"app": {"appId": app_id, "appArn": arn, "name": self.properties.get("Name"),
                                            "defaultDomain": f"{app_id}.amplifyapp.com", "platform": "WEB",
                                            "createTime": time.time(), "updateTime": time.time(),
                                            "environmentVariables": {}, "enableBranchAutoBuild": False,
                                            "enableBasicAuth": False, "repository": "", "description": ""},
                                    "branches": {}, "jobs": {}, "region": self.region}

    def update(self):
        with STATE_LOCK:
            AMPLIFY_APPS[self.attributes["AppId"]]["app"]["name"] = self.properties.get("Name")

    def destroy(self):
        with STATE_LOCK:
            AMPLIFY_APPS.pop(self.attributes["AppId"], None)


class AmplifyBranch(ShimBase, CloudFormationModel):
    __module__ = "moto.imgmeta_shim"  # moto files models by the module path's second part
    TYPE = "AWS::Amplify::Branch"

    def create(self):
        app_id, name = self.properties["AppId"], self.properties["BranchName"]
        arn = f"arn:aws:amplify:{self.region}:{self.account_id}:apps/{app_id}/branches/{name}"
        self.physical_resource_id = arn
        self.attributes = {"Arn": arn, "BranchName": name}
        with STATE_LOCK:
            app = AMPLIFY_APPS.get(app_id)
            if app is None:
                raise ValueError(f"no Amplify app {app_id}")
            app["branches"][name] = {"branchArn": arn, "branchName": name, "stage": self.properties.get("Stage"),
                                     "displayName": name, "enableAutoBuild": False, "enableNotification": False,
                                     "createTime": time.time(), "updateTime": time.time(), "environmentVariables": {},
                                     "enableBasicAuth": False, "customDomains": [], "framework": "", "activeJobId": "",
                                     "totalNumberOfJobs": "0", "ttl": "5", "enablePullRequestPreview": False,
                                     "description": ""}

    def destroy(self):
        with STATE_LOCK:
            app = AMPLIFY_APPS.get(self.properties["AppId"])
            if app:
                app["branches"].pop(self.properties["BranchName"], None)


# ---------------------------------------------------------------- Amplify Hosting API
def amplify_error(status, kind, message):
    return Response(json.dumps({"message": message}), status=status, mimetype="application/json",
                    headers={"x-amzn-ErrorType": kind})


def amplify_json(body):
    return Response(json.dumps(body), status=200, mimetype="application/json")


def handle_amplify(req):
    parts = [p for p in req.path.split("/") if p]
    if parts == ["apps"] and req.method == "GET":
        with STATE_LOCK:
            return amplify_json({"apps": [a["app"] for a in AMPLIFY_APPS.values()]})
    if len(parts) < 2 or parts[0] != "apps":
        return amplify_error(400, "BadRequestException", f"{req.method} {req.path} is not modelled here")
    with STATE_LOCK:
        app = AMPLIFY_APPS.get(parts[1])
        if app is None:
            return amplify_error(404, "NotFoundException", f"App {parts[1]} not found.")
        if len(parts) == 2:
            if req.method == "GET":
                return amplify_json({"app": app["app"]})
            if req.method == "DELETE":
                del AMPLIFY_APPS[parts[1]]
                return amplify_json({"app": app["app"]})
        if len(parts) < 4 or parts[2] != "branches":
            return amplify_error(400, "BadRequestException", f"{req.method} {req.path} is not modelled here")
        branch = app["branches"].get(parts[3])
        if branch is None:
            return amplify_error(404, "NotFoundException", f"Branch {parts[3]} not found.")
        rest = parts[4:]
        if rest == [] and req.method == "GET":
            return amplify_json({"branch": branch})
        if rest == ["deployments"] and req.method == "POST":
            if app["app"]["repository"]:
                return amplify_error(400, "BadRequestException", "manual deployments need an app without a repository")
            job_id = str(len(app["jobs"]) + 1)
            app["jobs"][job_id] = {"jobId": job_id, "branch": parts[3], "status": "CREATED", "zip": None,
                                   "createTime": time.time(), "polls": 0}
            url = f"{SELF['url']}/_amplify-upload/{parts[1]}/{parts[3]}/{job_id}"
            return amplify_json({"jobId": job_id, "fileUploadUrls": {}, "zipUploadUrl": url})
        if rest == ["deployments", "start"] and req.method == "POST":
            body = json.loads(req.get_data() or b"{}")
            job = app["jobs"].get(str(body.get("jobId")))
            if job is None or job["branch"] != parts[3]:
                return amplify_error(404, "NotFoundException", f"Job {body.get('jobId')} not found.")
            job["status"] = "PENDING" if job["zip"] else "FAILED"
            branch["activeJobId"] = job["jobId"]
            return amplify_json({"jobSummary": job_summary(parts[1], parts[3], job)})
        if len(rest) == 2 and rest[0] == "jobs" and req.method == "GET":
            job = app["jobs"].get(rest[1])
            if job is None:
                return amplify_error(404, "NotFoundException", f"Job {rest[1]} not found.")
            # One poll sees it running, the next one done: deploy.sh must wait for the job.
            job["polls"] += 1
            if job["status"] == "PENDING":
                job["status"] = "RUNNING"
            elif job["status"] == "RUNNING":
                job["status"] = "SUCCEED"
            return amplify_json({"job": {"summary": job_summary(parts[1], parts[3], job), "steps": []}})
    return amplify_error(400, "BadRequestException", f"{req.method} {req.path} is not modelled here")


def job_summary(app_id, branch, job):
    return {"jobArn": f"arn:aws:amplify:us-east-1:123456789012:apps/{app_id}/branches/{branch}/jobs/{job['jobId']}",
            "jobId": job["jobId"], "commitId": "manual", "commitMessage": "manual deployment",
            "commitTime": job["createTime"], "startTime": job["createTime"], "status": job["status"],
            "jobType": "MANUAL"}


def handle_upload(req):
    parts = [p for p in req.path.split("/") if p]  # _amplify-upload, app, branch, job
    if req.method != "PUT" or len(parts) != 4:
        return Response("PUT only", status=405)
    data = req.get_data()
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return Response("not a zip archive", status=400)
    if "index.html" not in names:
        return Response("index.html must be at the root of the archive", status=400)
    with STATE_LOCK:
        app = AMPLIFY_APPS.get(parts[1])
        job = app and app["jobs"].get(parts[3])
        if not job or job["status"] != "CREATED":
            return Response("no such deployment awaiting an upload", status=403)
        path = os.path.join(UPLOAD_DIR, f"{parts[1]}-{parts[2]}-{parts[3]}.zip")
        with open(path, "wb") as f:
            f.write(data)
        job["zip"] = path
    return Response("", status=200)


def shim_listing():
    with STATE_LOCK:
        return [r.describe() for r in SHIM_RESOURCES.values()]


def amplify_listing():
    with STATE_LOCK:
        return json.loads(json.dumps(AMPLIFY_APPS))


SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class ShimApplication:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        if SELF["url"] is None and environ.get("HTTP_HOST"):
            SELF["url"] = f"http://{environ['HTTP_HOST']}"
        path = environ.get("PATH_INFO", "")
        m = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if m and m.group(1) == "amplify":
            if not AMPLIFY_API["enabled"]:  # answer as plain moto does: it has no Amplify
                return Response("Amplify is not modelled", status=500)(environ, start_response)
            return handle_amplify(Request(environ))(environ, start_response)
        if path == "/_shim/lambda-forward" and environ.get("REQUEST_METHOD") == "POST":
            LAMBDA_FORWARD["url"] = json.loads(Request(environ).get_data() or b"{}").get("url")
            return amplify_json(LAMBDA_FORWARD)(environ, start_response)
        if path == "/_shim/amplify-api" and environ.get("REQUEST_METHOD") == "POST":
            AMPLIFY_API["enabled"] = bool(json.loads(Request(environ).get_data() or b"{}").get("enabled", True))
            return amplify_json(AMPLIFY_API)(environ, start_response)
        if path.startswith("/_amplify-upload/"):
            return handle_upload(Request(environ))(environ, start_response)
        if path == "/_shim/resources":
            return amplify_json(shim_listing())(environ, start_response)
        if path == "/_shim/amplify":
            return amplify_json(amplify_listing())(environ, start_response)
        return self.moto(environ, start_response)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(args.host, args.port, ShimApplication(), threaded=True)


if __name__ == "__main__":
    main()
