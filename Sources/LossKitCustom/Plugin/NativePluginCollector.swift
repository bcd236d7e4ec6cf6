import CLossKitPlugin
import Foundation
import LossKitCore

/// Gathers and checks a plugin's definitions while `losskit_plugin_register` runs.
///
/// Everything a definition holds is untrusted: a bad one records a ``problem`` (reported as
/// ``NativePluginError/registrationFailed(path:reason:)``) and makes `register_loss` return 1.
final class NativePluginCollector {
  let path: String
  let provenance: LossProvenance
  var implementations: [NativeLossImplementation] = []
  var problem: String?

  init(path: String, provenance: LossProvenance) {
    self.path = path
    self.provenance = provenance
  }

  /// Adds an ABI 1 definition: it reads `logits` and `labels`.
  func add(_ definition: losskit_loss_definition) -> Int32 {
    guard let evaluate = definition.evaluate else {
      return refuse("a definition has no evaluate function")
    }
    return add(
      name: definition.name, version: definition.version, minimumVersion: 0,
      summary: definition.summary, defaults: definition.default_parameters,
      outputs: ["logits"], targets: "labels", validate: definition.validate,
      evaluate: .v1(evaluate), release: nil, context: definition.context)
  }

  /// Adds an ABI 2 definition.
  func add(_ definition: losskit_loss_definition_v2) -> Int32 {
    guard let evaluate = definition.evaluate else {
      return refuse("a definition has no evaluate function")
    }
    let label = definition.name.map { String(cString: $0) } ?? "?"
    var outputs = ["logits"]
    if definition.output_count != 0 || definition.outputs != nil {
      guard let list = definition.outputs, (1...64).contains(definition.output_count) else {
        return refuse(
          "'\(label)' lists \(definition.output_count) outputs; give 1 to 64 names, or 0 "
            + "outputs and a NULL list to read logits")
      }
      outputs = (0..<Int(definition.output_count)).map {
        list[$0].map { String(cString: $0) } ?? ""
      }
      guard !outputs.contains(""), Set(outputs).count == outputs.count else {
        return refuse("'\(label)' lists outputs \(outputs); names must be non-empty and distinct")
      }
    }
    let targets = definition.targets.map { String(cString: $0) } ?? "labels"
    guard !targets.isEmpty else { return refuse("'\(label)' names an empty target set") }
    return add(
      name: definition.name, version: definition.version,
      minimumVersion: definition.minimum_version, summary: definition.summary,
      defaults: definition.default_parameters, outputs: outputs, targets: targets,
      validate: definition.validate, evaluate: .v2(evaluate), release: definition.release,
      context: definition.context)
  }

  private func add(
    name: UnsafePointer<CChar>?, version: Int32, minimumVersion: Int32,
    summary: UnsafePointer<CChar>?, defaults: UnsafePointer<CChar>?, outputs: [String],
    targets: String, validate: NativeLossImplementation.Validate?,
    evaluate: NativeLossImplementation.Evaluate, release: NativeLossImplementation.Release?,
    context: UnsafeMutableRawPointer?
  ) -> Int32 {
    // Built first, so a refused definition still gets its release call.
    let name = name.map { String(cString: $0) } ?? ""
    let defaultsText = defaults.map { String(cString: $0) } ?? "{}"
    let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(defaultsText.utf8))
    let oldest = minimumVersion == 0 ? Int(version) : Int(minimumVersion)
    let implementation = NativeLossImplementation(
      name: name, version: Int(version), minimumVersion: oldest,
      summary: summary.map { String(cString: $0) } ?? "native loss from \(path)",
      defaults: parsed ?? .object([:]), outputs: outputs, targets: targets, validate: validate,
      evaluate: evaluate, release: release, context: context, path: path,
      provenance: provenance)
    guard !name.isEmpty else { return refuse("a definition has no name") }
    guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
      return refuse("the loss name '\(name)' must be letters, digits, '-', '_' or '.'")
    }
    guard parsed?.objectValue != nil else {
      return refuse("the default parameters of '\(name)' are not a JSON object: \(defaultsText)")
    }
    if case .v2 = evaluate, !(version >= 1 && oldest >= 1 && oldest <= Int(version)) {
      return refuse(
        "'\(name)' has version \(version) and minimum_version \(minimumVersion); the version "
          + "must be ≥ 1 and the minimum in 1…version (or 0 for version)")
    }
    guard !implementations.contains(where: { $0.name == name }) else {
      return refuse("'\(name)' is defined twice")
    }
    implementations.append(implementation)
    return 0
  }

  private func refuse(_ reason: String) -> Int32 {
    if problem == nil { problem = reason }
    return 1
  }
}
