// Everything a plugin needs comes through `import BackendKit`.

@_exported import BackendConfig
@_exported import BackendDatabase
@_exported import BackendJSON
@_exported import Hummingbird
@_exported import Logging
@_exported import SQLKit
@_exported import ServiceLifecycle

@_exported import struct BackendAuth.AuthenticationError
@_exported import struct BackendAuth.NoopTokenManager
@_exported import struct BackendAuth.PluginAccessRestrictions
@_exported import struct BackendAuth.ServerToken
@_exported import enum BackendAuth.ServerTokenManager
@_exported import struct BackendAuth.ServicePrincipal
@_exported import protocol BackendAuth.TokenManager
@_exported import struct HTTPTypes.HTTPField
