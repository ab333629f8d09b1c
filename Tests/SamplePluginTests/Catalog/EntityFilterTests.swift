import BackendJSON
import BackendKit
import BackendRuntime
import Foundation
import ServiceLifecycle
import Testing

@testable import CatalogPlugin

@Suite("Catalog filters")
struct EntityFilterTests {
    private func entity(_ json: String) throws -> Entity {
        try EntityValidator.validate(try JSONValue(parsing: json))
    }

    private var service: Entity {
        get throws {
            try entity(
                """
                {"apiVersion":"backstage.io/v1alpha1","kind":"Component",
                 "metadata":{"name":"payment-service","tags":["java","payments"],
                   "annotations":{"backstage.io/techdocs-ref":"dir:."}},
                 "spec":{"type":"service","owner":"team-a","lifecycle":"production"}}
                """)
        }
    }

    private var website: Entity {
        get throws {
            try entity(
                """
                {"apiVersion":"backstage.io/v1alpha1","kind":"Component",
                 "metadata":{"name":"web","namespace":"shop"},"spec":{"type":"website","owner":"team-b"}}
                """)
        }
    }

    private func matches(_ filters: [String], _ entity: Entity) throws -> Bool {
        try EntityFilter.parse(filters).matches(EntitySearchFields(entity))
    }

    @Test("comma-separated statements must all match (AND)")
    func commaIsAnd() throws {
        #expect(try matches(["kind=component,metadata.name=payment-service"], service))
        #expect(try !matches(["kind=component,metadata.name=web"], service))
    }

    @Test("repeated filter parameters are alternatives (OR)")
    func repeatedIsOr() throws {
        let filters = ["kind=component,spec.type=website", "metadata.name=payment-service"]
        #expect(try matches(filters, service))
        #expect(try matches(filters, website))
        #expect(try !matches(["kind=api", "metadata.name=nothing"], service))
    }

    @Test("kind, namespace, keys and values compare case-insensitively")
    func caseInsensitive() throws {
        #expect(try matches(["KIND=COMPONENT"], service))
        #expect(try matches(["kind=Component,metadata.namespace=DEFAULT"], service))
        #expect(try matches(["metadata.namespace=Shop"], website))
        #expect(try matches(["Spec.Type=Service"], service))
    }

    @Test("the same key twice in one filter accepts either value")
    func sameKeyIsAnyOf() throws {
        #expect(try matches(["spec.type=service,spec.type=website"], service))
        #expect(try matches(["spec.type=service,spec.type=website"], website))
    }

    @Test("nested fields, array elements and annotation keys with dots and slashes")
    func nestedFields() throws {
        #expect(try matches(["spec.owner=team-a"], service))
        #expect(try matches(["metadata.tags=java"], service))
        #expect(try !matches(["metadata.tags=go"], service))
        #expect(try matches(["metadata.annotations.backstage.io/techdocs-ref=dir:."], service))
    }

    @Test("a bare key matches entities that have the field")
    func existence() throws {
        #expect(try matches(["spec.lifecycle"], service))
        #expect(try !matches(["spec.lifecycle"], website))
    }

    @Test("no filter matches everything; blanks are ignored")
    func empty() throws {
        #expect(try matches([], service))
        #expect(try matches([" , "], service))
        #expect(try EntityFilter.parse(["kind = component , metadata.name = payment-service"]).clauses.count == 1)
        #expect(try matches(["kind = component , metadata.name = payment-service"], service))
    }

    @Test("a statement without a key is an InputError with Backstage's message")
    func missingKey() throws {
        #expect(
            throws: InputError(
                "Invalid filter, '=component' is not a valid statement (expected a string on the form a=b or a= or a)")
        ) {
            try EntityFilter.parse(["kind=component,=component"])
        }
    }

    @Test("fields= keeps only the selected paths")
    func fieldSelection() throws {
        let selection = try #require(FieldSelection.parse(["kind,metadata.name", "spec.owner"]))
        let projected = selection.apply(to: try service.document)
        #expect(
            projected
                == .object([
                    "kind": .string("Component"),
                    "metadata": .object(["name": .string("payment-service")]),
                    "spec": .object(["owner": .string("team-a")]),
                ]))
        #expect(FieldSelection.parse([]) == nil)
    }
}
