import KeelCore
import Testing

@Suite("Upcasting")
struct UpcastingTests {
    @Test("keel.workflow.run.started v1 → v2 fills workflowVersion and trigger and validates against v2")
    func runStarted() throws {
        let v1 = event(
            "keel.workflow.run.started", key: "run-1",
            data: .object([
                "runId": .string("run-1"), "workflowId": .string("wf"), "input": .object(["a": .int(1)]),
            ]), dataversion: 1)
        let v2 = try UpcasterChain.standard.upcast(v1, to: 2)
        #expect(v2.dataversion == 2)
        #expect(v2.jsonData?["workflowVersion"] == .int(1))
        #expect(v2.jsonData?["trigger"] == .object(["kind": .string("api")]))
        #expect(v2.jsonData?["input"] == .object(["a": .int(1)]))
        let schema = catalog.eventType(named: "keel.workflow.run.started")!.version(2)!.schema
        #expect(schema.validate(v2.jsonData!).isEmpty)
    }

    @Test("no dataversion means v1; an event at or past the target is untouched; a target of 1 leaves v1")
    func versions() throws {
        let data: JSONValue = .object(["runId": .string("r"), "workflowId": .string("w"), "input": .object([:])])
        #expect(try UpcasterChain.standard.upcast(event("keel.workflow.run.started", data: data)).dataversion == 3)
        let v1 = event("keel.workflow.run.started", data: data, dataversion: 1)
        #expect(try UpcasterChain.standard.upcast(v1, to: 1) == v1)
        let v3 = event("keel.workflow.run.started", data: data, dataversion: 3)
        #expect(try UpcasterChain.standard.upcast(v3) == v3)
        let other = event("keel.tenant.created", data: .string("x"))
        #expect(try UpcasterChain.standard.upcast(other) == other)
    }

    @Test(
        "an upcaster failure is a ProjectionError with code upcast",
        arguments: [
            JSONValue.string("not an object"), .object(["workflowId": .string("w")]), .object(["runId": .string("")]),
        ])
    func failures(data: JSONValue) {
        let bad = event("keel.workflow.run.started", data: data, dataversion: 1)
        #expect(throws: ProjectionError.self) { try UpcasterChain.standard.upcast(bad) }
        do { _ = try UpcasterChain.standard.upcast(bad) } catch { #expect(error.code == "upcast") }
    }

    @Test("a missing step is poison, not a pass-through")
    func missingStep() {
        let chain = UpcasterChain([Upcaster(type: "a.b.c", fromVersion: 1) { $0 }])
        let e = event("a.b.c", data: .object([:]), dataversion: 1)
        #expect(throws: ProjectionError.self) { try chain.upcast(e, to: 3) }
    }

    @Test("every historical version in Topics/ has an upcaster, and every example upcasts to a valid latest")
    func catalogCoverage() throws {
        var checked = 0
        for topic in catalog.topics {
            for type in topic.eventTypes where type.latestVersion > 1 {
                let latest = type.version(type.latestVersion)!
                for version in type.versions.dropLast() {
                    #expect(
                        UpcasterChain.standard.upcaster(for: type.type, from: version.version) != nil,
                        "\(type.type) v\(version.version) has no upcaster to v\(version.version + 1)")
                    for example in version.examples {
                        let lifted = try UpcasterChain.standard.upcast(event(type.type, data: example, dataversion: version.version))
                        #expect(lifted.dataversion == type.latestVersion)
                        #expect(
                            latest.schema.validate(lifted.jsonData!).isEmpty,
                            "\(type.type) v\(version.version) example does not validate as v\(type.latestVersion)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked >= 1)
    }
}
