// The closure plugin the test targets use is the test kit's, so there is one of it.
@_exported import struct BackendTesting.TestPlugin
