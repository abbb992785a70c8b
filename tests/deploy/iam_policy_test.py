"""Least privilege in deploy/template.yaml (issue 6): no IAM Allow statement has a `*`
action or resource where a narrower one exists, and s3metadataFetcher may read `uploads/*`
of the image bucket and write the table; nothing else but its own log group and its
dead-letter queue (which Lambda itself writes with the function's role)."""

import copy
import json
import unittest

import cfn

BUCKET = "arn:${AWS::Partition}:s3:::${AWS::StackName}-images-${AWS::AccountId}-${AWS::Region}"
UPLOADS = BUCKET + "/uploads/*"


def render(value):
    """A resource as comparable text: Sub strings as written, GetAtt as Id.Attr."""
    if isinstance(value, str):
        return value
    if "Fn::Sub" in value:
        return value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
    if "Fn::GetAtt" in value:
        return "!GetAtt " + ".".join(value["Fn::GetAtt"])
    if "Ref" in value:
        return "!Ref " + value["Ref"]
    return json.dumps(value, sort_keys=True)


def statements(template):
    """(where, statement) for every statement of every identity policy in the template."""
    out = []
    for rid, r in template["Resources"].items():
        p = r.get("Properties", {})
        if r["Type"] == "AWS::IAM::Role":
            for pol in p.get("Policies", []):
                for s in pol["PolicyDocument"]["Statement"]:
                    out.append((f"{rid}/{pol['PolicyName']}", s))
        elif r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            for s in p["PolicyDocument"]["Statement"]:
                out.append((rid, s))
    return out


def violations(template):
    """Every reason the template breaks the rule (empty when it keeps it)."""
    bad = []
    res = template["Resources"]
    for rid, r in res.items():
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("ManagedPolicyArns"):
            bad.append(f"{rid}: managed policies {r['Properties']['ManagedPolicyArns']} (AWS-managed ones are broad)")
        if r["Type"] in ("AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::AccessKey"):
            bad.append(f"{rid}: {r['Type']} is not expected")
    for where, s in statements(template):
        if s["Effect"] != "Allow":
            continue
        if "NotAction" in s or "NotResource" in s:
            bad.append(f"{where}: NotAction/NotResource in an Allow grants nearly everything")
        for a in cfn.as_list(s.get("Action", [])):
            if "*" in a:
                bad.append(f"{where}: wildcard action {a}")
        for rsrc in cfn.as_list(s.get("Resource", [])):
            text = render(rsrc)
            if text == "*":
                bad.append(f"{where}: resource *")
            elif "*" in text and not text.endswith("/uploads/*"):
                # The only wildcard with no narrower form: the objects below the upload prefix.
                bad.append(f"{where}: wildcard resource {text}")
    for rid, r in res.items():
        if r["Type"] == "AWS::IAM::Role":
            for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                if s.get("Principal") != {"Service": "lambda.amazonaws.com"}:
                    bad.append(f"{rid}: assumable by {s.get('Principal')}")
    bad += extractor_violations(template)
    return bad


def extractor_violations(template):
    bad = []
    fn = template["Resources"]["ExtractorFunction"]["Properties"]
    role = fn["Role"]["Fn::GetAtt"][0]
    allowed = {  # service prefix -> (actions, resources)
        "s3": ({"s3:GetObject"}, {UPLOADS}),
        "dynamodb": ({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
                     {"!GetAtt MetadataTable.Arn"}),
        "logs": ({"logs:CreateLogStream", "logs:PutLogEvents"}, {"!GetAtt ExtractorLogGroup.Arn"}),
        "sqs": ({"sqs:SendMessage"}, {"!GetAtt ExtractorDeadLetterQueue.Arn"}),
    }
    seen = set()
    for where, s in statements(template):
        if not where.startswith(role + "/") or s["Effect"] != "Allow":
            continue
        actions = set(cfn.as_list(s["Action"]))
        resources = {render(r) for r in cfn.as_list(s["Resource"])}
        services = {a.split(":")[0] for a in actions}
        if len(services) != 1 or next(iter(services)) not in allowed:
            bad.append(f"{where}: the extractor may not use {sorted(actions)}")
            continue
        service = next(iter(services))
        seen.add(service)
        ok_actions, ok_resources = allowed[service]
        if not actions <= ok_actions:
            bad.append(f"{where}: the extractor may not {sorted(actions - ok_actions)}")
        if not resources <= ok_resources:
            bad.append(f"{where}: the extractor may not touch {sorted(resources - ok_resources)}")
        if "Condition" in s:
            bad.append(f"{where}: unexpected condition")
    for need in ("s3", "dynamodb"):
        if need not in seen:
            bad.append(f"{role}: the extractor cannot reach {need} (it must read uploads/* and write the table)")
    return bad


class Policies(unittest.TestCase):
    def setUp(self):
        self.template = cfn.load()

    def test_template_keeps_the_rule(self):
        self.assertEqual(violations(self.template), [])

    def test_extractor_reads_uploads_and_writes_the_table(self):
        stmts = [s for w, s in statements(self.template) if w.startswith("ExtractorRole/")]
        s3 = [s for s in stmts if any(a.startswith("s3:") for a in cfn.as_list(s["Action"]))]
        self.assertEqual(len(s3), 1)
        self.assertEqual(cfn.as_list(s3[0]["Action"]), ["s3:GetObject"])
        self.assertEqual([render(r) for r in cfn.as_list(s3[0]["Resource"])], [UPLOADS])
        ddb = [s for s in stmts if any(a.startswith("dynamodb:") for a in cfn.as_list(s["Action"]))]
        self.assertEqual(len(ddb), 1)
        self.assertIn("dynamodb:PutItem", ddb[0]["Action"])
        self.assertNotIn("dynamodb:Query", ddb[0]["Action"])
        self.assertEqual([render(r) for r in cfn.as_list(ddb[0]["Resource"])], ["!GetAtt MetadataTable.Arn"])

    def test_bucket_in_role_arns_is_the_image_bucket(self):
        name = self.template["Resources"]["ImageBucket"]["Properties"]["BucketName"]["Fn::Sub"]
        self.assertEqual(UPLOADS, "arn:${AWS::Partition}:s3:::" + name + "/uploads/*")

    def test_api_role_stays_on_its_bucket_prefix_and_table(self):
        for w, s in statements(self.template):
            if not w.startswith("ApiRole/"):
                continue
            for r in cfn.as_list(s["Resource"]):
                text = render(r)
                self.assertTrue(text == UPLOADS or "MetadataTable" in text or text == "!GetAtt ApiLogGroup.Arn", text)

    # The checker itself: each of these edits must be caught.
    def mutate(self, edit):
        t = copy.deepcopy(self.template)
        edit(t)
        return violations(t)

    def extractor_statements(self, t):
        return t["Resources"]["ExtractorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]

    def test_checker_catches_wildcard_action(self):
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t)[0].update(Action="s3:*")))

    def test_checker_catches_wildcard_resource(self):
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t)[1].update(Resource="*")))
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t)[0].update(Resource={"Fn::Sub": BUCKET + "/*"})))

    def test_checker_catches_extra_extractor_service_or_action(self):
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t).append(
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "AlarmTopic"}})))
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t)[0].update(
            Action=["s3:GetObject", "s3:DeleteObject"])))
        self.assertTrue(self.mutate(lambda t: self.extractor_statements(t)[1].update(
            Resource=[{"Fn::GetAtt": ["MetadataTable", "Arn"]}, {"Fn::Sub": "${MetadataTable.Arn}/index/byTaken"}])))

    def test_checker_catches_managed_policies(self):
        self.assertTrue(self.mutate(lambda t: t["Resources"]["ApiRole"]["Properties"].update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"])))


if __name__ == "__main__":
    unittest.main()
