// Generated: the JMESPath compliance suite's unicode.json, 4 cases, from
// jmespath/jmespath.php tests/compliance/unicode.json @ e9692916.
// Only whitespace differs from the upstream JSON; ComplianceTests.swift runs it.

extension ComplianceSuite {
    static let unicode = ComplianceFile(
        name: "unicode",
        json: #"""
            [
            {"given": {"foo": [{"\u2713": "\u2713"}, {"\u2713": "\u2717"}]}, "cases": [
              {"expression": "foo[].\"\u2713\"", "result": ["\u2713", "\u2717"]}
            ]},
            {"given": {"\u262f": true}, "cases": [
              {"expression": "\"\u262f\"", "result": true}
            ]},
            {"given": {"\u266a\u266b\u2022*\u00a8*\u2022.\u00b8\u00b8\u2764\u00b8\u00b8.\u2022*\u00a8*\u2022\u266b\u266a": true}, "cases": [
              {"expression": "\"\u266a\u266b\u2022*\u00a8*\u2022.\u00b8\u00b8\u2764\u00b8\u00b8.\u2022*\u00a8*\u2022\u266b\u266a\"", "result": true}
            ]},
            {"given": {"\u2603": true}, "cases": [
              {"expression": "\"\u2603\"", "result": true}
            ]}
            ]
            """#
    )
}
