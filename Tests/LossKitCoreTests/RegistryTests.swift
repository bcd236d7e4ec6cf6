import Foundation
import LossKitCore
import Testing

@Suite struct RegistryTests {
  @Test func registeringTwiceIsAnError() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    #expect(throws: LossKitError.duplicateName(.loss, "half-squared-error")) {
      try registry.register(HalfSquaredError.self)
    }
    #expect(throws: LossKitError.duplicateName(.loss, "composite")) {
      try registry.register(CompositeLoss.self)
    }
  }

  @Test func unknownNameListsTheRegisteredOnesAndHowToRegister() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    let spec = LossSpec(name: "focall", version: 1, parameters: .object([:]))
    do {
      _ = try registry.makeLoss(from: spec)
      Issue.record("expected an error")
    } catch let error as LossKitError {
      #expect(error == .unknownName(.loss, "focall", registered: ["composite", "half-squared-error"]))
      #expect(error.description.contains("registry.register(MyLoss.self)"))
    }
  }

  @Test func versionsOutsideTheSupportedRangeAreErrors() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    let parameters = try JSONValue(encoding: HalfSquaredError())
    for version in [1, 2] {
      let loss = try registry.makeLoss(
        from: LossSpec(name: "half-squared-error", version: version, parameters: parameters))
      #expect(loss is HalfSquaredError)
    }
    #expect(throws: LossKitError.unsupportedVersion(.loss, "half-squared-error", found: 3, supported: 1...2)) {
      try registry.makeLoss(
        from: LossSpec(name: "half-squared-error", version: 3, parameters: parameters))
    }
  }

  @Test func specsRoundTrip() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    let loss = HalfSquaredError(output: "scores", target: "truth")
    let spec = try LossSpec(loss)
    let data = try JSONEncoder().encode(spec)
    let decoded = try JSONDecoder().decode(LossSpec.self, from: data)
    #expect(decoded == spec)
    #expect(try registry.makeLoss(from: decoded) as? HalfSquaredError == loss)
  }

  @Test func parametersByNameOverrideDefaults() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    let loss = try registry.makeLoss(named: "half-squared-error", parameters: ["output": .string("y")])
    #expect((loss as? HalfSquaredError)?.output == "y")
    #expect(throws: LossKitError.self) {
      try registry.makeLoss(named: "half-squared-error", parameters: ["gamma": .number(2)])
    }
  }

  @Test func badParametersAreAnInvalidSpec() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    #expect(throws: LossKitError.self) {
      try registry.makeLoss(
        from: LossSpec(name: "half-squared-error", version: 2, parameters: .string("oops")))
    }
  }
}
