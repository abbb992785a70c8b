"""Least privilege in deploy/template.yaml (issues 6, 10 and 14): no IAM Allow statement has
a `*` action or resource where a narrower one exists (X-Ray's two write actions, which have
no resource-level form, only when tracing is on); s3metadataFetcher may read `uploads/*` of
the image bucket and write the table; imgmetaPreview may read `uploads/*`, write and delete
`previews/*` and UpdateItem only the preview attributes of the table; each of them nothing
else but its own log group and its dead-letter queue (which Lambda itself writes with the
function's role)."""

import copy
import json
import unittest

import cfn

BUCKET = "arn:${AWS::Partition}:s3:::${AWS::StackName}-images-${AWS::AccountId}-${AWS::Region}"
UPLOADS = BUCKET + "/uploads/*"
PREVIEWS = BUCKET + "/previews/*"
SHARES = BUCKET + "/shares/*"
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
PREVIEW_ATTRIBUTES = {"owner", "imageId", "previewStatus", "previewError", "previewVersion", "previewOrigin",
                      "thumbWidth", "thumbHeight", "previewWidth", "previewHeight", "previewSequencer", "seq", "kind"}


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


def unwrap(s):
    """A statement, or the statements of both branches of an Fn::If (AWS::NoValue dropped)."""
    if isinstance(s, dict) and "Fn::If" in s:
        out = []
        for branch in s["Fn::If"][1:]:
            out += unwrap(branch)
        return out
    if s == {"Ref": "AWS::NoValue"}:
        return []
    return [s]


def statements(template):
    """(where, statement) for every statement of every identity policy in the template."""
    out = []
    for rid, r in template["Resources"].items():
        p = r.get("Properties", {})
        if r["Type"] == "AWS::IAM::Role":
            for pol in p.get("Policies", []):
                for s in pol["PolicyDocument"]["Statement"]:
                    out += [(f"{rid}/{pol['PolicyName']}", u) for u in unwrap(s)]
        elif r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            for s in p["PolicyDocument"]["Statement"]:
                out += [(rid, u) for u in unwrap(s)]
    return out


def is_xray(s):
    return set(cfn.as_list(s.get("Action", []))) <= XRAY and cfn.as_list(s.get("Resource")) == ["*"]


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
        if is_xray(s):
            continue
        for rsrc in cfn.as_list(s.get("Resource", [])):
            text = render(rsrc)
            if text == "*":
                bad.append(f"{where}: resource *")
            elif "*" in text and text not in (UPLOADS, PREVIEWS, SHARES):
                # The only wildcards with no narrower form: the objects below the three prefixes.
                bad.append(f"{where}: wildcard resource {text}")
    for rid, r in res.items():
        if r["Type"] == "AWS::IAM::Role":
            for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                if s.get("Principal") != {"Service": "lambda.amazonaws.com"}:
                    bad.append(f"{rid}: assumable by {s.get('Principal')}")
    bad += extractor_violations(template)
    bad += preview_violations(template)
    bad += purge_violations(template)
    return bad


def role_violations(template, function, who, allowed, needed, check_condition):
    """allowed: [(actions, resources)] a statement must fit into one of; needed: actions
    that some statement must grant; check_condition(statement) returns a reason or None."""
    bad = []
    role = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    granted = set()
    for where, s in statements(template):
        if not where.startswith(role + "/") or s["Effect"] != "Allow":
            continue
        if is_xray(s):
            continue
        actions = set(cfn.as_list(s["Action"]))
        resources = {render(r) for r in cfn.as_list(s["Resource"])}
        if not any(actions <= ok_a and resources <= ok_r for ok_a, ok_r in allowed):
            bad.append(f"{where}: {who} may not {sorted(actions)} on {sorted(resources)}")
            continue
        why = check_condition(s)
        if why:
            bad.append(f"{where}: {why}")
        granted |= actions
    for a in needed - granted:
        bad.append(f"{role}: {who} lacks {a}")
    return bad


def extractor_violations(template):
    allowed = [
        ({"s3:GetObject"}, {UPLOADS}),
        ({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
         {"!GetAtt MetadataTable.Arn"}),
        ({"logs:CreateLogStream", "logs:PutLogEvents"}, {"!GetAtt ExtractorLogGroup.Arn"}),
        ({"sqs:SendMessage"}, {"!GetAtt ExtractorDeadLetterQueue.Arn"}),
    ]
    return role_violations(template, "ExtractorFunction", "the extractor", allowed,
                           {"s3:GetObject", "dynamodb:PutItem", "dynamodb:UpdateItem"},
                           lambda s: "unexpected condition" if "Condition" in s else None)


def preview_condition(s):
    actions = set(cfn.as_list(s["Action"]))
    if "dynamodb:UpdateItem" not in actions:
        return "unexpected condition" if "Condition" in s else None
    cond = s.get("Condition", {})
    attrs = cond.get("ForAllValues:StringEquals", {}).get("dynamodb:Attributes")
    if attrs is None:
        return "the preview function's UpdateItem is not limited by dynamodb:Attributes"
    if set(attrs) != PREVIEW_ATTRIBUTES:
        return f"dynamodb:Attributes {sorted(attrs)} is not the preview attributes and the key"
    return None


def preview_violations(template):
    allowed = [
        ({"s3:GetObject"}, {UPLOADS}),
        ({"s3:PutObject", "s3:DeleteObject"}, {PREVIEWS}),
        ({"dynamodb:UpdateItem"}, {"!GetAtt MetadataTable.Arn"}),
        ({"dynamodb:GetItem"}, {"!GetAtt MetadataTable.Arn"}),
        ({"logs:CreateLogStream", "logs:PutLogEvents"}, {"!GetAtt PreviewLogGroup.Arn"}),
        ({"sqs:SendMessage"}, {"!GetAtt PreviewDeadLetterQueue.Arn"}),
    ]
    return role_violations(template, "PreviewFunction", "the preview function", allowed,
                           {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "dynamodb:UpdateItem", "dynamodb:GetItem"},
                           preview_condition)


def purge_violations(template):
    # The trash purge finds expired images in the sparse trash index and deletes their
    # objects; S3's events do the rest. It reads no item of the table and writes none.
    allowed = [
        ({"dynamodb:Scan"}, {"${MetadataTable.Arn}/index/byTrashed"}),
        ({"s3:DeleteObject"}, {UPLOADS}),
        ({"logs:CreateLogStream", "logs:PutLogEvents"}, {"!GetAtt PurgeLogGroup.Arn"}),
    ]
    return role_violations(template, "PurgeFunction", "the trash purge", allowed, {"dynamodb:Scan", "s3:DeleteObject"},
                           lambda s: "unexpected condition" if "Condition" in s else None)


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
            if is_xray(s):
                continue
            for r in cfn.as_list(s["Resource"]):
                text = render(r)
                self.assertTrue(text == UPLOADS or "MetadataTable" in text or text == "!GetAtt ApiLogGroup.Arn"
                                or text == PREVIEWS or text == SHARES or "SharesTable" in text, text)
                if text == SHARES:  # share links' copies: made, presigned, removed; nothing else
                    self.assertEqual(set(cfn.as_list(s["Action"])), {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"})
                if text == PREVIEWS:  # renditions: presigned GETs only
                    self.assertEqual(cfn.as_list(s["Action"]), ["s3:GetObject"])

    def test_preview_reads_uploads_writes_previews_and_updates_only_preview_fields(self):
        stmts = [s for w, s in statements(self.template) if w.startswith("PreviewRole/")]
        by_sid = {s["Sid"]: s for s in stmts}
        self.assertEqual(cfn.as_list(by_sid["ReadUploads"]["Action"]), ["s3:GetObject"])
        self.assertEqual(render(by_sid["ReadUploads"]["Resource"]), UPLOADS)
        self.assertEqual(set(by_sid["WriteRenditions"]["Action"]), {"s3:PutObject", "s3:DeleteObject"})
        self.assertEqual(render(by_sid["WriteRenditions"]["Resource"]), PREVIEWS)
        ddb = by_sid["PreviewFields"]
        self.assertEqual(cfn.as_list(ddb["Action"]), ["dynamodb:UpdateItem"])
        self.assertEqual(set(ddb["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]), PREVIEW_ATTRIBUTES)
        self.assertEqual(cfn.as_list(by_sid["ReadRecord"]["Action"]), ["dynamodb:GetItem"])
        self.assertEqual(preview_violations(self.template), [])

    def test_xray_only_when_tracing_is_active(self):
        for role in ("ExtractorRole", "PreviewRole", "ApiRole", "PurgeRole"):
            raw = self.template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            conditional = [s for s in raw if "Fn::If" in s]
            self.assertEqual(len(conditional), 1, role)
            cond, yes, no = conditional[0]["Fn::If"]
            self.assertEqual(cond, "TracingActive")
            self.assertEqual(set(yes["Action"]), XRAY)
            self.assertEqual(no, {"Ref": "AWS::NoValue"})

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

    def preview_statements(self, t):
        return t["Resources"]["PreviewRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]

    def preview_sid(self, t, sid):
        return [s for s in self.preview_statements(t) if isinstance(s, dict) and s.get("Sid") == sid][0]

    def test_checker_catches_a_preview_role_that_does_more(self):
        # Reads the records, writes originals, lists the bucket, updates any attribute.
        self.assertTrue(self.mutate(lambda t: self.preview_sid(t, "PreviewFields").update(
            Action=["dynamodb:UpdateItem", "dynamodb:GetItem"])))
        self.assertTrue(self.mutate(lambda t: self.preview_sid(t, "WriteRenditions").update(
            Resource={"Fn::Sub": UPLOADS})))
        self.assertTrue(self.mutate(lambda t: self.preview_sid(t, "ReadUploads").update(
            Action=["s3:GetObject", "s3:ListBucket"])))
        self.assertTrue(self.mutate(lambda t: self.preview_sid(t, "PreviewFields").pop("Condition")))
        self.assertTrue(self.mutate(lambda t: self.preview_sid(t, "PreviewFields")["Condition"][
            "ForAllValues:StringEquals"]["dynamodb:Attributes"].append("status")))
        self.assertTrue(self.mutate(lambda t: self.preview_statements(t).append(
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "EventTopic"}})))
        self.assertTrue(self.mutate(lambda t: self.preview_statements(t).append(
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "s3:GetObject"], "Resource": "*"})))

    def purge_sid(self, t, sid):
        stmts = t["Resources"]["PurgeRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        return [s for s in stmts if isinstance(s, dict) and s.get("Sid") == sid][0]

    def test_purge_scans_the_trash_index_and_deletes_uploads_only(self):
        stmts = [s for w, s in statements(self.template) if w.startswith("PurgeRole/")]
        by_sid = {s["Sid"]: s for s in stmts}
        self.assertEqual(cfn.as_list(by_sid["FindExpired"]["Action"]), ["dynamodb:Scan"])
        self.assertEqual(render(by_sid["FindExpired"]["Resource"]), "${MetadataTable.Arn}/index/byTrashed")
        self.assertEqual(cfn.as_list(by_sid["DeleteExpired"]["Action"]), ["s3:DeleteObject"])
        self.assertEqual(render(by_sid["DeleteExpired"]["Resource"]), UPLOADS)
        self.assertEqual(purge_violations(self.template), [])

    def test_checker_catches_a_purge_role_that_does_more(self):
        # Scans the whole table, deletes renditions, writes records.
        self.assertTrue(self.mutate(lambda t: self.purge_sid(t, "FindExpired").update(
            Resource={"Fn::GetAtt": ["MetadataTable", "Arn"]})))
        self.assertTrue(self.mutate(lambda t: self.purge_sid(t, "DeleteExpired").update(Resource={"Fn::Sub": PREVIEWS})))
        self.assertTrue(self.mutate(lambda t: self.purge_sid(t, "FindExpired").update(
            Action=["dynamodb:Scan", "dynamodb:DeleteItem"])))

    def test_checker_catches_managed_policies(self):
        self.assertTrue(self.mutate(lambda t: t["Resources"]["ApiRole"]["Properties"].update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"])))


if __name__ == "__main__":
    unittest.main()
