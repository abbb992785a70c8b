"""Reads deploy/template.yaml for the deploy tests: a YAML loader that understands the
CloudFormation short forms (!Ref, !GetAtt, !Sub, ...) and turns them into their long forms
({"Ref": ...}, {"Fn::GetAtt": [...]}, ...), plus small helpers over the result."""

import os

import yaml

SOURCE = os.environ.get("IMGMETA_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TEMPLATE = os.path.join(SOURCE, "deploy/template.yaml")


class CfnLoader(yaml.SafeLoader):
    pass


def _construct(tag):
    name = "Ref" if tag == "Ref" else "Fn::" + tag

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ("Ref", "GetAtt", "Sub", "If", "Not", "Equals", "And", "Or", "Join", "Select", "Split",
             "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr", "Condition"):
    CfnLoader.add_constructor("!" + _tag, _construct(_tag))


def load(path=TEMPLATE):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources(template, type_name):
    """{logical id: properties} of every resource of the given type."""
    return {k: r.get("Properties", {}) for k, r in template["Resources"].items() if r["Type"] == type_name}


def as_list(v):
    return v if isinstance(v, list) else [v]


def refs(value):
    """Every logical id that value refers to through Ref, GetAtt or a ${...} in a Sub."""
    import re
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref":
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v[0])
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                out.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                if not isinstance(v, str):
                    out.update(refs(v[1]))
            else:
                out.update(refs(v))
    elif isinstance(value, list):
        for v in value:
            out.update(refs(v))
    return out
