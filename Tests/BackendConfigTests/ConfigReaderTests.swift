import BackendJSON
import Testing

@testable import BackendConfig

@Suite struct ConfigReaderTests {
    let config = Config(
        [
            "backend": [
                "baseUrl": "http://localhost:7007",
                "listen": ["port": 7007, "host": "127.0.0.1"],
                "portText": "7008",
                "ratio": 1.5,
                "enabled": true,
                "flagText": "yes",
                "empty": "",
                "auth": ["keys": [["secret": "abc"], ["secret": 42], "not-an-object"]],
                "cors": ["origins": ["http://a", "http://b"], "bad": ["ok", 3]],
                "nothing": nil,
            ]
        ],
        source: "app-config.yaml")

    @Test("typed reads")
    func typedReads() throws {
        #expect(try config.getString("backend.baseUrl") == "http://localhost:7007")
        #expect(try config.getNumber("backend.listen.port") == 7007)
        #expect(try config.getOptionalInt("backend.listen.port") == 7007)
        #expect(try config.getNumber("backend.portText") == 7008)
        #expect(try config.getBoolean("backend.enabled"))
        #expect(try config.getBoolean("backend.flagText"))
        #expect(try config.getStringArray("backend.cors.origins") == ["http://a", "http://b"])
        #expect(try config.getOptionalString("backend.missing") == nil)
        #expect(config.has("backend.listen"))
        #expect(!config.has("backend.nothing"))
        #expect(!config.has("backend.missing.deeper"))
        #expect(try config.getConfig("backend").keys().first == "baseUrl")
        #expect(!(try config.getConfig("backend").keys().contains("nothing")))
        #expect(config.source(of: "backend.listen.port")?.name == "app-config.yaml")
    }

    @Test("the exact wrong-type message")
    func wrongType() {
        #expect(
            configErrorMessage { _ = try config.getString("backend.listen.port") }
                == "Invalid type in config for key 'backend.listen.port' in 'app-config.yaml', got number, wanted string"
        )
        #expect(
            configErrorMessage { _ = try config.getNumber("backend.enabled") }
                == "Invalid type in config for key 'backend.enabled' in 'app-config.yaml', got boolean, wanted number")
        #expect(
            configErrorMessage { _ = try config.getString("backend.empty") }
                == "Invalid type in config for key 'backend.empty' in 'app-config.yaml', got empty-string, wanted string"
        )
        #expect(
            configErrorMessage { _ = try config.getOptionalInt("backend.ratio") }
                == "Invalid type in config for key 'backend.ratio' in 'app-config.yaml', got number, wanted integer")
        #expect(
            configErrorMessage { _ = try config.getString("backend.baseUrl.deeper") }
                == "Invalid type in config for key 'backend.baseUrl' in 'app-config.yaml', got string, wanted object")
        #expect(
            configErrorMessage { _ = try config.getNumber("backend.baseUrl") }
                == "Unable to convert config value for key 'backend.baseUrl' in 'app-config.yaml' to a number")
        #expect(
            configErrorMessage { _ = try config.getStringArray("backend.cors.bad") }
                == "Invalid type in config for key 'backend.cors.bad[1]' in 'app-config.yaml', got number, wanted string"
        )
        #expect(
            configErrorMessage { _ = try config.getConfigArray("backend.baseUrl") }
                == "Invalid type in config for key 'backend.baseUrl' in 'app-config.yaml', got string, wanted object-array"
        )
        #expect(
            configErrorMessage { _ = try config.getConfigArray("backend.auth.keys") }
                == "Invalid type in config for key 'backend.auth.keys[2]' in 'app-config.yaml', got string, wanted object"
        )
    }

    @Test("sub-configs keep full key prefixes; array elements are named key[i]")
    func prefixes() throws {
        let backend = try config.getConfig("backend")
        #expect(backend.prefix == "backend")
        #expect(
            configErrorMessage { _ = try backend.getString("missing") }
                == "Missing required config value at 'backend.missing'")
        let auth = try #require(try config.getOptionalConfig("backend.auth"))
        #expect(auth.prefix == "backend.auth")
        #expect(
            configErrorMessage { _ = try auth.getConfigArray("keys") }
                == "Invalid type in config for key 'backend.auth.keys[2]' in 'app-config.yaml', got string, wanted object"
        )
    }

    @Test("array element configs report key[i]")
    func arrayElements() throws {
        let keys = try Config(["keys": [["secret": "abc"], ["secret": 42]]], source: "a.yaml").getConfigArray("keys")
        #expect(keys.map(\.prefix) == ["keys[0]", "keys[1]"])
        #expect(try keys[0].getString("secret") == "abc")
        #expect(
            configErrorMessage { _ = try keys[1].getString("secret") }
                == "Invalid type in config for key 'keys[1].secret' in 'a.yaml', got number, wanted string")
        #expect(
            configErrorMessage { _ = try keys[0].getString("other") }
                == "Missing required config value at 'keys[0].other'")
    }

    @Test("BackendEnvironment parsing")
    func backendEnvironment() throws {
        #expect(try BackendEnvironment.fromProcess([:]) == .development)
        #expect(try BackendEnvironment.fromProcess(["BACKEND_ENV": ""]) == .development)
        #expect(try BackendEnvironment.fromProcess(["BACKEND_ENV": "production"]) == .production)
        #expect(
            configErrorMessage { _ = try BackendEnvironment.fromProcess(["BACKEND_ENV": "staging"]) }
                == "Invalid BACKEND_ENV 'staging', expected development or production")
    }
}
