// Generated: the JMESPath compliance suite's current.json, 3 cases, from
// the upstream tests/current.json (jmespath/jmespath.test), three cases.
// Only whitespace differs from the upstream JSON; ComplianceTests.swift runs it.

extension ComplianceSuite {
    static let current = ComplianceFile(
        name: "current",
        json: #"""
            [
            {"given": {"foo": [{"name": "a"}, {"name": "b"}], "bar": {"baz": "qux"}}, "cases": [
              {"expression": "@", "result": {"foo": [{"name": "a"}, {"name": "b"}], "bar": {"baz": "qux"}}},
              {"expression": "@.bar", "result": {"baz": "qux"}},
              {"expression": "@.foo[0]", "result": {"name": "a"}}
            ]}
            ]
            """#
    )
}
