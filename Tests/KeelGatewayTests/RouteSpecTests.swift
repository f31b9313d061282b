import HTTPTypes
import Testing

@testable import KeelGateway

@Suite("Route templates")
struct RouteSpecTests {
    @Test func literalSegmentsMatchExactlyAndEmptySegmentsAreIgnored() {
        let ingest = GatewayRoutes.ingest
        for path in ["/v1/events", "/v1/events/", "//v1//events", "v1/events"] {
            #expect(ingest.matches(path: Substring(path)), "\(path)")
        }
        for path in ["/v1/event", "/v1/eventss", "/v1/events/x", "/v1", "/", "", "/v2/events", "/V1/events"] {
            #expect(!ingest.matches(path: Substring(path)), "\(path)")
        }
        #expect(!GatewayRoutes.healthz.matches(path: "/healthzz"))
        #expect(!GatewayRoutes.healthz.matches(path: "/health"))
    }

    @Test func parametersMatchOneNonEmptySegment() {
        let keys = GatewayRoutes.listKeys
        #expect(keys.matches(path: "/v1/tenants/acme/keys"))
        #expect(keys.matches(path: "/v1/tenants/a%20b/keys/"))
        #expect(!keys.matches(path: "/v1/tenants//keys"))
        #expect(!keys.matches(path: "/v1/tenants/keys"))
        #expect(!keys.matches(path: "/v1/tenants/acme/keys/k1"))
        #expect(!keys.matches(path: "/v1/tenants/acme/key"))
    }

    @Test func routeResolvesTheTemplateByMethodAndPath() {
        #expect(GatewayRoutes.route(method: .post, path: "/v1/events")?.path == "/v1/events")
        #expect(GatewayRoutes.route(method: .get, path: "/v1/events") == nil)
        #expect(GatewayRoutes.route(method: .get, path: "/v1/tenants/acme/keys")?.path == "/v1/tenants/{tenant}/keys")
        #expect(GatewayRoutes.route(method: .post, path: "/v1/tenants/acme/keys")?.operationID == "createApiKey")
        #expect(GatewayRoutes.route(method: .delete, path: "/v1/tenants/acme/keys/k1")?.path == "/v1/tenants/{tenant}/keys/{keyId}")
        #expect(GatewayRoutes.route(method: .post, path: "/v1/tenants/acme/keys/k1/rotate")?.operationID == "rotateApiKey")
        #expect(GatewayRoutes.route(method: .get, path: "/v1/projections/activity/documents/x")?.operationID == "getDocument")
        #expect(GatewayRoutes.methods(forPath: "/v1/tenants/acme/keys").sorted() == ["GET", "POST"])
        #expect(GatewayRoutes.methods(forPath: "/nowhere").isEmpty)
    }
}
