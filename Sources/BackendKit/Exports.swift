// What a plugin needs from other modules, re-exported by name so that `import BackendKit` is a plugin's one import
// without making whole modules part of its API (as Hummingbird's Exports.swift does). Hidden from the
// documentation: each type is documented in its own module.

// SQLKit whole: a plugin's database is an `SQLDatabase`, and its query builders and `SQLQueryString` operators are
// extension members and operator functions, which a by-name re-export of the types does not carry.
@_exported import SQLKit

@_exported @_documentation(visibility: internal) import struct BackendAuth.AuthenticationError
@_exported @_documentation(visibility: internal) import struct BackendAuth.NoopTokenManager
@_exported @_documentation(visibility: internal) import struct BackendAuth.PluginAccessRestrictions
@_exported @_documentation(visibility: internal) import struct BackendAuth.ServerToken
@_exported @_documentation(visibility: internal) import enum BackendAuth.ServerTokenManager
@_exported @_documentation(visibility: internal) import struct BackendAuth.ServicePrincipal
@_exported @_documentation(visibility: internal) import protocol BackendAuth.TokenManager
@_exported @_documentation(visibility: internal) import enum BackendConfig.BackendEnvironment
@_exported @_documentation(visibility: internal) import struct BackendConfig.Config
@_exported @_documentation(visibility: internal) import struct BackendConfig.ConfigError
@_exported @_documentation(visibility: internal) import struct BackendConfig.ConfigLoader
@_exported @_documentation(visibility: internal) import struct BackendConfig.ConfigSchema
@_exported @_documentation(visibility: internal) import struct BackendConfig.ConfigSource
@_exported @_documentation(visibility: internal) import struct BackendDatabase.DatabaseMigration
@_exported @_documentation(visibility: internal) import enum BackendDatabase.Dialect
@_exported @_documentation(visibility: internal) import class BackendDatabase.PluginDatabase
@_exported @_documentation(visibility: internal) import enum BackendJSON.ISO8601Timestamp
@_exported @_documentation(visibility: internal) import struct BackendJSON.JSONObject
@_exported @_documentation(visibility: internal) import struct BackendJSON.JSONParsingError
@_exported @_documentation(visibility: internal) import enum BackendJSON.JSONValue
@_exported @_documentation(visibility: internal) import class BackendJSON.ManualClock
@_exported @_documentation(visibility: internal) import protocol BackendJSON.MessageError
@_exported @_documentation(visibility: internal) import struct BackendJSON.SystemClock
@_exported @_documentation(visibility: internal) import protocol BackendJSON.WallClock
@_exported @_documentation(visibility: internal) import class CoreMetrics.Counter
@_exported @_documentation(visibility: internal) import class CoreMetrics.Gauge
@_exported @_documentation(visibility: internal) import protocol CoreMetrics.MetricsFactory
@_exported @_documentation(visibility: internal) import struct HTTPTypes.HTTPField
@_exported @_documentation(visibility: internal) import struct HTTPTypes.HTTPFields
@_exported @_documentation(visibility: internal) import struct HTTPTypes.HTTPRequest
@_exported @_documentation(visibility: internal) import struct HTTPTypes.HTTPResponse
@_exported @_documentation(visibility: internal) import struct Hummingbird.HTTPError
@_exported @_documentation(visibility: internal) import protocol Hummingbird.ResponseCodable
@_exported @_documentation(visibility: internal) import protocol Hummingbird.ResponseEncodable
@_exported @_documentation(visibility: internal) import protocol Hummingbird.ResponseGenerator
@_exported @_documentation(visibility: internal) import struct HummingbirdCore.Request
@_exported @_documentation(visibility: internal) import struct HummingbirdCore.Response
@_exported @_documentation(visibility: internal) import struct HummingbirdCore.ResponseBody
@_exported @_documentation(visibility: internal) import protocol HummingbirdCore.ResponseBodyWriter
@_exported @_documentation(visibility: internal) import struct Logging.Logger
// The framework's one lock type (a plugin guards its own shared state with it).
@_exported @_documentation(visibility: internal) import struct NIOConcurrencyHelpers.NIOLockedValueBox
@_exported @_documentation(visibility: internal) import struct NIOCore.ByteBuffer
@_exported @_documentation(visibility: internal) import protocol ServiceLifecycle.Service
@_exported @_documentation(visibility: internal) import func ServiceLifecycle.cancelWhenGracefulShutdown
@_exported @_documentation(visibility: internal) import func ServiceLifecycle.gracefulShutdown
@_exported @_documentation(visibility: internal) import func ServiceLifecycle.withGracefulShutdownHandler
