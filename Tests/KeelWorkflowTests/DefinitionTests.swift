import KeelCore
import KeelWorkflow
import Testing

func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

@Suite("Workflow definitions")
struct DefinitionTests {
    @Test("a Keel definition parses: sequential by default, templates, retry, jump guard")
    func parses() throws {
        let definition = try WorkflowDefinition.parse(
            json(
                """
                {"id": "wf", "name": "Orders", "steps": [
                  {"id": "a", "kind": "set", "value": {"n": "{{params.n}}"}},
                  {"id": "b", "kind": "http", "url": "https://example.com/{{a.result.n}}", "retry": {"maximumAttempts": 4, "initialInterval": "250ms"}},
                  {"id": "c", "kind": "transform", "expression": "steps.a.output.n", "jump": {"to": "a", "maxIterations": 3}}
                ]}
                """))
        #expect(definition.isSequential)
        #expect(definition.steps.map(\.id) == ["a", "b", "c"])
        #expect(definition.steps[1].retry.maximumAttempts == 4)
        #expect(definition.steps[1].retry.initialIntervalMs == 250)
        #expect(definition.steps[2].jump?.maxIterations == 3)
    }

    @Test(
        "bad definitions are refused with a pointer at the field",
        arguments: [
            (#"{"id":"wf","steps":[{"id":"a","kind":"teleport"}]}"#, "/steps/0/kind"),
            (
                #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1,"dependsOn":["b"]},{"id":"b","kind":"set","value":1,"dependsOn":["a"]}]}"#,
                "/steps/0/dependsOn"
            ),
            (
                #"{"id":"wf","steps":[{"id":"a","kind":"set","value":1},{"id":"b","kind":"set","value":1,"jump":{"to":"a"}}]}"#,
                "/steps/1/jump/maxIterations"
            ),
            (#"{"id":"wf","steps":[{"id":"a","kind":"set","value":"{{nope.result.x}}"}]}"#, "/steps/0/value"),
            (#"{"id":"wf","steps":[{"id":"a","kind":"set","value":"{{b.result}}"},{"id":"b","kind":"set","value":1}]}"#, "/steps/0/value"),
            (#"{"id":"wf","steps":[{"id":"a","kind":"sleep","duration":"soon"}]}"#, "/steps/0/duration"),
            (#"{"id":"wf","steps":[{"id":"a","kind":"http"}]}"#, "/steps/0"),
            (#"{"id":"wf","steps":[{"id":"a","kind":"set"}]}"#, "/steps/0/value"),
            (#"{"id":"wf","steps":[]}"#, "/steps"),
            (#"{"id":"wf","steps":[{"id":"a","kind":"set","value":1,"retry":{"maximumAttempts":0}}]}"#, "/steps/0/retry/maximumAttempts"),
        ])
    func refused(document: String, pointer: String) {
        do {
            _ = try WorkflowDefinition.parse(json(document))
            Issue.record("accepted \(document)")
        } catch {
            #expect(error.issues.contains { $0.pointer == pointer }, "\(error.issues)")
        }
    }

    @Test("a Linq request imports as is: steps become stepN, HTTP targets, conditions and jumps keep their meaning")
    func linq() throws {
        let definition = try WorkflowDefinition.parse(
            json(
                """
                {"link": {"target": "workflow", "action": "execute"},
                 "query": {"intent": "people", "workflowId": "wf-linq", "params": {"teamId": "t1"},
                   "workflow": [
                     {"step": 1, "target": "api-gateway", "action": "fetch", "intent": "/api/people/{id}", "params": {"id": "{{params.personId}}", "full": "yes"}},
                     {"step": 2, "target": "crm", "action": "create", "intent": "/notes", "payload": {"who": "{{step1.result.name ?? \\"Unknown\\"}}"},
                      "condition": "{{step1.result.active}} == true", "jump": {"condition": "{{step1.result.done}}", "targetStep": 0}}
                   ]}}
                """))
        #expect(definition.format == .linq)
        #expect(definition.id == "wf-linq")
        #expect(definition.steps.map(\.id) == ["step1", "step2"])
        #expect(definition.steps[0].config["method"] == .string("GET"))
        #expect(definition.steps[0].config["path"] == .string("/api/people/{{params.personId}}"))
        #expect(definition.steps[0].config["query"] == .object(["full": .string("yes")]))
        #expect(definition.steps[1].config["service"] == .string("crm"))
        #expect(definition.steps[1].jump?.to == nil)
        #expect(definition.defaultParams["teamId"] == .string("t1"))
    }

    @Test("templates: a whole placeholder keeps its type, fallbacks, interpolation, and a missing path names itself")
    func templates() throws {
        let context = RunContext(
            params: json(#"{"n": 3, "name": "Ada"}"#),
            steps: ["step1": .init(status: "completed", output: json(#"{"items": [{"id": 7}], "ok": true}"#))])
        #expect(try Template(parsing: .string("{{params.n}}")).render(in: context) == .int(3))
        #expect(try Template(parsing: .string("id={{step1.result.items[0].id}}")).render(in: context) == .string("id=7"))
        #expect(try Template(parsing: .string("{{steps.step1.output.ok}}")).render(in: context) == .bool(true))
        #expect(try Template(parsing: .string(#"{{params.missing ?? "x"}}"#)).render(in: context) == .string("x"))
        #expect(try Template(parsing: .string("{{params.missing ?? {{params.name}}}}")).render(in: context) == .string("Ada"))
        do {
            _ = try Template(parsing: .string("{{step1.result.items[3].id}}")).render(in: context)
            Issue.record("a missing index rendered")
        } catch {
            #expect((error as? TemplateError)?.path == "step1.result.items[3].id")
        }
    }

    @Test("Linq conditions: == and != on lower-cased strings, !, truthiness; unresolved is false")
    func linqConditions() throws {
        let context = RunContext(params: json(#"{"flag": "YES", "zero": 0, "on": true}"#))
        #expect(try Condition(parsing: "{{params.flag}} == yes").evaluate(in: context))
        #expect(try Condition(parsing: "{{params.flag}} != no").evaluate(in: context))
        #expect(try !Condition(parsing: "{{params.zero}}").evaluate(in: context))
        #expect(try Condition(parsing: "!{{params.zero}}").evaluate(in: context))
        #expect(try !Condition(parsing: "{{params.missing}}").evaluate(in: context))
        #expect(try Condition(parsing: "{{params.on}}").evaluate(in: context))
    }
}
