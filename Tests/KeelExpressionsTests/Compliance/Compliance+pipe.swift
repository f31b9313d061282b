// Generated: the JMESPath compliance suite's pipe.json, 17 cases, from
// jmespath/jmespath.py tests/compliance/pipe.json @ ded70623.
// Only whitespace differs from the upstream JSON; ComplianceTests.swift runs it.

extension ComplianceSuite {
    static let pipe = ComplianceFile(
        name: "pipe",
        json: #"""
            [
            {"given": {"foo": {"bar": {"baz": "one"}, "other": {"baz": "two"}, "other2": {"baz": "three"}, "other3": {"notbaz": ["a", "b", "c"]}, "other4": {"notbaz": ["d", "e", "f"]}}}, "cases": [
              {"expression": "foo.*.baz | [0]", "result": "one"},
              {"expression": "foo.*.baz | [1]", "result": "two"},
              {"expression": "foo.*.baz | [2]", "result": "three"},
              {"expression": "foo.bar.* | [0]", "result": "one"},
              {"expression": "foo.*.notbaz | [*]", "result": [["a", "b", "c"], ["d", "e", "f"]]},
              {"expression": "foo | bar", "result": {"baz": "one"}},
              {"expression": "foo | bar | baz", "result": "one"},
              {"expression": "foo|bar| baz", "result": "one"},
              {"expression": "not_there | [0]", "result": null},
              {"expression": "not_there | [0]", "result": null},
              {"expression": "[foo.bar, foo.other] | [0]", "result": {"baz": "one"}},
              {"expression": "{\"a\": foo.bar, \"b\": foo.other} | a", "result": {"baz": "one"}},
              {"expression": "{\"a\": foo.bar, \"b\": foo.other} | b", "result": {"baz": "two"}},
              {"expression": "{\"a\": foo.bar, \"b\": foo.other} | *.baz", "result": ["one", "two"]},
              {"expression": "foo.bam || foo.bar | baz", "result": "one"},
              {"expression": "foo | not_there || bar", "result": {"baz": "one"}}
            ]},
            {"given": {"foo": [{"bar": [{"baz": "one"}, {"baz": "two"}]}, {"bar": [{"baz": "three"}, {"baz": "four"}]}]}, "cases": [
              {"expression": "foo[*].bar[*] | [0][0]", "result": {"baz": "one"}}
            ]}
            ]
            """#
    )
}
