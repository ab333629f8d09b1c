import CFuzzSupport

/// Hands control to libFuzzer's driver with `callback` as the fuzz target, and returns its exit status.
///
/// Each fuzz executable calls this from its `<Module>_main` entry point (see `CFuzzSupport/shim.h` for why the
/// executables cannot use libFuzzer's own `main`).
///
/// ```swift
/// @_cdecl("FuzzConfigLoad_main")
/// func fuzzConfigLoadMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
///     runFuzzerDriver(argc, argv) { data, size in fuzzConfigLoad(data, size) }
/// }
/// ```
public func runFuzzerDriver(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

extension String {
    /// Substring search that treats NUL like any other character. (Foundation's `contains(_:)` on Linux stops
    /// at the first NUL of the argument, so `"(found 1)".contains(")\0\0")` is true; a harness found that.)
    public func includes(_ other: String) -> Bool {
        firstRange(of: other) != nil
    }
}
