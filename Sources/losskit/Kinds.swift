import ArgumentParser
import Foundation
import LossKit

/// `losskit kinds`: every registered loss, model kind and optimizer.
struct Kinds: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every registered loss, model kind and optimizer with its version, summary and default parameters.")

  @Flag(name: .long, help: "Print one JSON object: {\"losses\": [...], \"models\": [...], \"optimizers\": [...]}.")
  var json = false

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let registry = try storeOptions.registry()
    let tables: [(String, String, [(String, Int, Int, String, JSONValue)])] = [
      ("losses", "Losses", Self.rows(registry.losses)),
      ("models", "Model kinds", Self.rows(registry.models)),
      ("optimizers", "Optimizers", Self.rows(registry.optimizers)),
    ]
    if json {
      var object: [String: JSONValue] = [:]
      for (key, _, rows) in tables {
        object[key] = .array(rows.map { name, version, minimum, summary, defaults in
          .object([
            "name": .string(name), "version": .number(Double(version)),
            "minimumVersion": .number(Double(minimum)), "summary": .string(summary),
            "defaults": defaults,
          ])
        })
      }
      print(JSONValue.object(object).compactText)
      return
    }
    for (_, title, rows) in tables {
      print("\(title):")
      for (name, version, _, summary, defaults) in rows {
        print("  \(name) (v\(version)): \(summary)")
        for (key, value) in (defaults.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
          print("      \(key) = \(value.compactText)")
        }
      }
    }
    print(
      "\nLoss expressions combine losses with per-term parameters: "
        + "'0.7*focal(gamma=2)+0.3*supcon(target=section)'. Short names: "
        + LossConfiguration.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        .joined(separator: ", "))
  }

  static func rows<P>(_ registry: KindRegistry<P>) -> [(String, Int, Int, String, JSONValue)] {
    registry.registeredEntries.map {
      ($0.name, $0.version, $0.minimumVersion, $0.summary, $0.defaults)
    }
  }
}

/// `losskit losses`: every registered loss with its parameters and defaults.
struct Losses: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every registered loss (built-in and plugins) with its parameters and defaults.")

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    for entry in try storeOptions.registry().losses.registeredEntries {
      print("\(entry.name) (v\(entry.version)): \(entry.summary)")
      for (key, value) in (entry.defaults.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        print("    \(key) = \(value.compactText)")
      }
    }
    print(
      "\nExpressions combine them: '0.7*focal(gamma=2)+0.3*weighted'. Short names: "
        + LossConfiguration.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        .joined(separator: ", "))
  }
}
