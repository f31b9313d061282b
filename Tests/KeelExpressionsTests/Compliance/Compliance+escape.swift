// Generated: the JMESPath compliance suite's escape.json, 8 cases, from
// jmespath/jmespath.py tests/compliance/escape.json @ 54d06203, with the newline and windows-path
// expressions in the current upstream spelling (escapes inside the identifier; the stored copy predates it).
// Only whitespace differs from the upstream JSON; ComplianceTests.swift runs it.

extension ComplianceSuite {
    static let escape = ComplianceFile(
        name: "escape",
        json: #"""
            [
            {"given": {"foo.bar": "dot", "foo bar": "space", "foo\nbar": "newline", "foo\"bar": "doublequote", "c:\\\\windows\\path": "windows", "/unix/path": "unix", "\"\"\"": "threequotes", "bar": {"baz": "qux"}}, "cases": [
              {"expression": "\"foo.bar\"", "result": "dot"},
              {"expression": "\"foo bar\"", "result": "space"},
              {"expression": "\"foo\\nbar\"", "result": "newline"},
              {"expression": "\"foo\\\"bar\"", "result": "doublequote"},
              {"expression": "\"c:\\\\\\\\windows\\\\path\"", "result": "windows"},
              {"expression": "\"/unix/path\"", "result": "unix"},
              {"expression": "\"\\\"\\\"\\\"\"", "result": "threequotes"},
              {"expression": "\"bar\".\"baz\"", "result": "qux"}
            ]}
            ]
            """#
    )
}
