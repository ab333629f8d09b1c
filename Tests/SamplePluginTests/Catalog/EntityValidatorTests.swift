import BackendJSON
import BackendKit
import BackendRuntime
import Foundation
import ServiceLifecycle
import Testing

@testable import CatalogPlugin

@Suite("Entity validation messages")
struct EntityValidatorTests {
    private func problem(_ json: String) -> String? {
        do {
            let value = try JSONValue(parsing: json)
            _ = try EntityValidator.validate(value)
            return nil
        } catch let error as InputError {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("a valid entity gets the default namespace")
    func valid() throws {
        let value = try JSONValue(
            parsing: #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"}}"#)
        let entity = try EntityValidator.validate(value)
        #expect(entity.ref.description == "component:default/x")
        #expect(entity.document["metadata"]?["namespace"] == .string("default"))
    }

    @Test("missing apiVersion, kind and metadata.name are all named")
    func missingEverything() {
        #expect(
            problem("{}")
                == "Invalid entity: 'apiVersion' is required; 'kind' is required; 'metadata.name' is required")
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{}}"#)
                == "Invalid entity: 'metadata.name' is required")
        #expect(
            problem(#"{"kind":"Component","metadata":{"name":"x"}}"#) == "Invalid entity: 'apiVersion' is required")
        #expect(
            problem(#"{"apiVersion":"v1","metadata":{"name":"x"}}"#) == "Invalid entity: 'kind' is required")
    }

    @Test("wrong types are named with what was found")
    func wrongTypes() {
        #expect(problem("[1]") == "Invalid entity: expected a JSON object, got array")
        #expect(
            problem(#"{"apiVersion":1,"kind":"Component","metadata":{"name":"x"}}"#)
                == "Invalid entity: 'apiVersion' must be a string, got number")
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":"x"}"#)
                == "Invalid entity: 'metadata' must be an object, got string")
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},"spec":[]}"#)
                == "Invalid entity: 'spec' must be an object, got array")
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":""}}"#)
                == "Invalid entity: 'metadata.name' must not be empty")
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x","tags":"a"}}"#)
                == "Invalid entity: 'metadata.tags' must be an array of strings, got string")
        #expect(
            problem(
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x","annotations":{"a":1}}}"#
            )
                == "Invalid entity: 'metadata.annotations.a' must be a string")
    }

    @Test("malformed values are quoted and explained")
    func formats() {
        #expect(
            problem(#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"My Service"}}"#)
                == "Invalid entity: 'metadata.name' \"My Service\" is not valid; expected sequences of [a-zA-Z0-9] "
                + "separated by any of [-_.], at most 63 characters")
        #expect(
            problem(#"{"apiVersion":"not a version","kind":"Component","metadata":{"name":"x"}}"#)
                == "Invalid entity: 'apiVersion' \"not a version\" is not valid; expected [<group>/]<version>, "
                + "for example \"backstage.io/v1alpha1\"")
        #expect(
            problem(#"{"apiVersion":"v1","kind":"9lives","metadata":{"name":"x"}}"#)
                == "Invalid entity: 'kind' \"9lives\" is not valid; expected a letter followed by letters and digits, "
                + "at most 63 characters")
        #expect(
            problem(
                #"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x","namespace":"My_NS"}}"#
            )
                == "Invalid entity: 'metadata.namespace' \"My_NS\" is not valid; expected sequences of [a-z0-9] "
                + "separated by [-], at most 63 characters")
    }

    @Test("Backstage's name rules")
    func nameRules() {
        for valid in ["a", "payment-service", "a.b_c-d", "A1", String(repeating: "x", count: 63)] {
            #expect(EntityValidator.isValidName(valid), "\(valid)")
        }
        for invalid in ["", "-a", "a-", "a--b", "a b", "ä", String(repeating: "x", count: 64)] {
            #expect(!EntityValidator.isValidName(invalid), "\(invalid)")
        }
        #expect(EntityValidator.isValidAPIVersion("backstage.io/v1alpha1"))
        #expect(EntityValidator.isValidAPIVersion("scaffolder.backstage.io/v1beta3"))
        #expect(EntityValidator.isValidAPIVersion("v1"))
        #expect(!EntityValidator.isValidAPIVersion("a/b/c"))
        #expect(!EntityValidator.isValidAPIVersion("Backstage.io/v1"))
    }
}
