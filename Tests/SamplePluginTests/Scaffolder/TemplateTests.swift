import BackendJSON
import BackendKit
import BackendRuntime
import Foundation
import Testing

@testable import ScaffolderPlugin

@Suite("Templates")
struct TemplateTests {
    static func json(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: text)
    }

    static let templateJSON = """
        {"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template",
         "metadata":{"name":"create-component"},
         "spec":{
           "parameters":[
             {"required":["name","owner"],
              "properties":{"name":{"type":"string"},"owner":{"type":"string"},
                            "type":{"type":"string","default":"service","enum":["service","website"]},
                            "replicas":{"type":"integer"}}}],
           "steps":[
             {"id":"register","name":"Register","action":"catalog:register",
              "input":{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component",
                "metadata":{"name":"${{ parameters.name }}"},
                "spec":{"owner":"${{ parameters.owner }}","type":"${{parameters.type}}","replicas":"${{ parameters.replicas }}"}}}}],
           "output":{"links":[{"title":"Open","entityRef":"${{ steps.register.output.entityRef }}"}],
                     "text":"made ${{ steps['register'].output.entityRef }}!"}}}
        """

    static func template() throws -> TemplateDefinition {
        try TemplateDefinition(
            entity: try json(templateJSON), ref: TemplateRef(namespace: "default", name: "create-component"))
    }

    @Test("template refs: kind and namespace default, other kinds refused")
    func refs() throws {
        #expect(try TemplateRef.parse("template:default/x").description == "template:default/x")
        #expect(try TemplateRef.parse("Template:team/x").description == "template:team/x")
        #expect(try TemplateRef.parse("x").description == "template:default/x")
        #expect(
            throws: InputError(
                "Invalid templateRef 'component:default/x': the entity kind must be 'template', got 'component'")
        ) {
            try TemplateRef.parse("component:default/x")
        }
        #expect(
            throws: InputError(
                "Invalid templateRef 'template:default/': expected [template:][<namespace>/]<name>, for example 'template:default/create-service'"
            )
        ) {
            try TemplateRef.parse("template:default/")
        }
    }

    @Test("required parameters, types and enums are checked; defaults fill in")
    func parameters() throws {
        let template = try Self.template()
        #expect(template.requiredParameters == ["name", "owner"])
        #expect(
            template.problems(with: [:]) == ["missing required parameter 'name'", "missing required parameter 'owner'"])
        #expect(
            template.problems(with: ["name": .string(" "), "owner": .string("me")]) == [
                "missing required parameter 'name'"
            ])
        #expect(
            template.problems(with: ["name": .int(1), "owner": .string("me")]) == [
                "parameter 'name' must be of type string, got number"
            ])
        #expect(
            template.problems(with: ["name": .string("x"), "owner": .string("me"), "type": .string("lib")]) == [
                "parameter 'type' must be one of service, website"
            ])
        #expect(
            template.problems(with: ["name": .string("x"), "owner": .string("me"), "replicas": .double(1.5)]) == [
                "parameter 'replicas' must be of type integer, got number"
            ])
        #expect(template.applyingDefaults(to: ["name": .string("x")])["type"] == .string("service"))
    }

    @Test("malformed templates are named")
    func malformed() throws {
        let ref = TemplateRef(namespace: "default", name: "t")
        #expect(
            throws: InputError(
                "Template 'template:default/t' is invalid: 'spec.steps' must be an array")
        ) {
            try TemplateDefinition(entity: try Self.json(#"{"kind":"Template","spec":{}}"#), ref: ref)
        }
        #expect(
            throws: InputError(
                "Template 'template:default/t' is invalid: 'spec.steps[0].action' must be a non-empty string")
        ) {
            try TemplateDefinition(entity: try Self.json(#"{"kind":"Template","spec":{"steps":[{}]}}"#), ref: ref)
        }
        #expect(
            throws: InputError("Template 'template:default/t' is invalid: its kind is not Template")
        ) {
            try TemplateDefinition(entity: try Self.json(#"{"kind":"Component","spec":{"steps":[]}}"#), ref: ref)
        }
    }

    @Test("rendering keeps the type of whole expressions and inlines text")
    func rendering() throws {
        let renderer = TemplateRenderer(
            parameters: ["name": .string("svc"), "count": .int(3), "tags": .array([.string("a")])],
            stepOutputs: ["register": ["entityRef": .string("component:default/svc")]])
        #expect(try renderer.render(.string("${{ parameters.count }}")) == .int(3))
        #expect(try renderer.render(.string("${{parameters.tags}}")) == .array([.string("a")]))
        #expect(
            try renderer.render(.string("n=${{ parameters.name }}, c=${{ parameters.count }}")) == .string("n=svc, c=3")
        )
        #expect(
            try renderer.render(.string("${{ steps['register'].output.entityRef }}"))
                == .string("component:default/svc"))
        #expect(try renderer.render(.string("[${{ parameters.missing }}]")) == .string("[]"))
        #expect(
            throws: InputError(
                "Unsupported template expression '${{ parameters.name | upper }}' in '${{ parameters.name | upper }}'; expected a path such as parameters.name"
            )
        ) {
            try renderer.render(.string("${{ parameters.name | upper }}"))
        }
        #expect(try renderer.isTruthy(.string("${{ parameters.name }}")))
        #expect(try !renderer.isTruthy(.string("${{ parameters.missing }}")))
        #expect(try !renderer.isTruthy(.bool(false)))
    }
}
