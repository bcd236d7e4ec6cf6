import Foundation
import Synchronization

/// Runs each body on a thread of its own, all at once, and returns the errors they threw.
func concurrently(_ bodies: [@Sendable () throws -> Void]) -> [any Error] {
  let errors = Mutex<[any Error]>([])
  let group = DispatchGroup()
  for body in bodies {
    group.enter()
    Thread {
      defer { group.leave() }
      do { try body() } catch { errors.withLock { $0.append(error) } }
    }.start()
  }
  group.wait()
  return errors.withLock { $0 }
}
