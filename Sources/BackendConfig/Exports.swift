// The configuration tree is a `JSONValue`: users of `BackendConfig` get the JSON model with it.
@_exported import BackendJSON
