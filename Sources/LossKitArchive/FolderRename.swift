#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The renames an atomic save is built from, as thin wrappers over the system calls; each
/// returns `0` or the `errno` of the failure.
///
/// Linux swaps two paths atomically with `renameat2(…, RENAME_EXCHANGE)` (kernel 3.15, glibc
/// 2.28; not every file system supports it) and macOS with `renamex_np(…, RENAME_SWAP)`.
/// glibc declares `renameat2` only under `_GNU_SOURCE`, which Swift's Glibc module does not
/// set, so it is looked up at run time; where it is missing, or the file system refuses the
/// flag, the caller falls back to two plain renames.
enum FolderRename {
  /// Whether an error from ``exchange(_:_:)`` or ``moveWithoutReplacing(_:to:)`` means the
  /// system or file system lacks the operation, rather than that it failed.
  static func isUnsupported(_ error: Int32) -> Bool {
    error == EINVAL || error == ENOSYS || error == ENOTSUP || error == EOPNOTSUPP
  }

  /// Swaps what two existing paths name, atomically.
  static func exchange(_ first: String, _ second: String) -> Int32 {
    #if canImport(Darwin)
      return renamex_np(first, second, UInt32(RENAME_SWAP)) == 0 ? 0 : errno
    #else
      return renameat2(first, second, flags: 2)  // RENAME_EXCHANGE
    #endif
  }

  /// Renames `source` to `destination`, failing with `EEXIST` if `destination` exists.
  static func moveWithoutReplacing(_ source: String, to destination: String) -> Int32 {
    #if canImport(Darwin)
      return renamex_np(source, destination, UInt32(RENAME_EXCL)) == 0 ? 0 : errno
    #else
      return renameat2(source, destination, flags: 1)  // RENAME_NOREPLACE
    #endif
  }

  /// Renames `source` to `destination`, replacing an empty folder or a file there.
  static func move(_ source: String, to destination: String) -> Int32 {
    rename(source, destination) == 0 ? 0 : errno
  }

  #if !canImport(Darwin)
    private typealias RenameAt2 =
      @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// `renameat2` from the C library, or `nil` when it has none.
    private static let renameat2Function: RenameAt2? = {
      guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "renameat2") else {
        return nil
      }
      return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    private static func renameat2(_ source: String, _ destination: String, flags: UInt32) -> Int32 {
      guard let function = renameat2Function else { return ENOSYS }
      return function(AT_FDCWD, source, AT_FDCWD, destination, flags) == 0 ? 0 : errno
    }
  #endif
}
