import Foundation

/// Error messages across the C boundary.
enum CErrors {
  /// Stores a copy of `message` in `*error` when `error` is not NULL; the caller frees it
  /// with `losskit_string_free`.
  static func report(
    _ message: String, into error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) {
    error?.pointee = strdup(message)
  }

  /// The message of any error, as users see it from the command line.
  static func message(_ error: any Error) -> String {
    String(describing: error)
  }
}
