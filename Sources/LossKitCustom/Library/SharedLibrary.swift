import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A shared library opened by its absolute path, with the digest of the file opened.
///
/// The path is resolved exactly once: a relative path, or a bare file name, means that file
/// in the current directory. The absolute path is both what is checked and what `dlopen`
/// receives (a path with a `/` in it), so `dlopen` never searches the system's library paths
/// for a file other than the one checked. Libraries are never closed: losses keep their
/// function pointers for the life of the process.
struct SharedLibrary: @unchecked Sendable {
  /// Why a library could not be opened.
  struct OpenFailure: Error {
    /// The absolute path tried.
    var path: String
    /// The reason, such as `no such file` or `dlopen`'s message.
    var reason: String
  }

  /// The absolute, standardised path opened.
  let path: String
  /// The SHA-256 of the file at ``path``.
  let digest: SHA256Digest
  private let handle: UnsafeMutableRawPointer

  /// The library's file name, the last component of ``path``.
  var fileName: String { (path as NSString).lastPathComponent }

  /// The absolute, standardised form of a path relative to the current directory.
  static func absolutePath(_ given: String) -> String {
    let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    return URL(fileURLWithPath: given, relativeTo: base).standardizedFileURL.path
  }

  /// Opens the library at `given` (see the type's description for how it is resolved).
  ///
  /// - Throws: ``OpenFailure`` naming the absolute path and why.
  static func open(_ given: String) throws(OpenFailure) -> SharedLibrary {
    let path = absolutePath(given)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw OpenFailure(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
      throw OpenFailure(path: path, reason: "it is a directory, not a shared library")
    }
    let digest: SHA256Digest
    do {
      digest = try SHA256Digest(contentsOfFile: path)
    } catch {
      throw OpenFailure(path: path, reason: "cannot read it (\(error.localizedDescription))")
    }
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      throw OpenFailure(
        path: path, reason: dlerror().map { String(cString: $0) } ?? "dlopen failed")
    }
    return SharedLibrary(path: path, digest: digest, handle: handle)
  }

  /// The address of an exported symbol, or `nil`.
  func symbol(_ name: String) -> UnsafeMutableRawPointer? {
    dlsym(handle, name)
  }
}
