import LossKit
import Testing

@Suite struct LossConfigurationTests {
  @Test func aSingleNameBuildsThatLoss() throws {
    var configuration = LossConfiguration(expression: "focal")
    configuration.gamma = 3
    let loss = try configuration.makeLoss(registry: .standard)
    #expect((loss as? FocalLoss)?.gamma == 3)
  }

  @Test func compositesApplyEachOptionWhereItFits() throws {
    var configuration = LossConfiguration(expression: "0.5*focal + 0.5*focal-f1")
    configuration.gamma = 1
    configuration.focalLabels = ["Nomenclature", "Description"]
    let loss = try #require(configuration.makeLoss(registry: .standard) as? CompositeLoss)
    #expect(loss.terms.map(\.weight) == [0.5, 0.5])
    #expect((loss.terms[0].loss as? FocalLoss)?.gamma == 1)
    #expect((loss.terms[1].loss as? FocalF1Loss)?.focalLabels == ["Nomenclature", "Description"])
  }

  @Test func aliasesStandForRegistryNames() throws {
    let loss = try LossConfiguration(expression: "0.7*focal+0.3*weighted").makeLoss(registry: .standard)
    #expect((loss as? CompositeLoss)?.terms[1].loss is WeightedCrossEntropyLoss)
    #expect(try LossConfiguration(expression: "standard").makeLoss(registry: .standard) is CrossEntropyLoss)
  }

  @Test("focal labels with class weights are rejected for one loss (the seed's rule)")
  func focalLabelsAndClassWeightsConflict() {
    var configuration = LossConfiguration(expression: "focal-f1")
    configuration.focalLabels = ["Nomenclature"]
    configuration.classWeights = ["Nomenclature": 100, "Misc": 0.1]
    #expect(throws: LossKitError.self) { try configuration.makeLoss(registry: .standard) }
    do {
      _ = try configuration.makeLoss(registry: .standard)
    } catch {
      #expect("\(error)".contains("mutually exclusive"))
      #expect("\(error)".contains("0.5*focal-f1+0.5*weighted"))
    }
  }

  @Test("explicit composition of focal-F1 and weighted cross-entropy stays allowed")
  func explicitCompositionIsAllowed() throws {
    var configuration = LossConfiguration(expression: "0.5*focal-f1+0.5*weighted")
    configuration.focalLabels = ["Nomenclature"]
    configuration.weightStrategy = "inverse"
    let loss = try #require(configuration.makeLoss(registry: .standard) as? CompositeLoss)
    #expect((loss.terms[1].loss as? WeightedCrossEntropyLoss)?.strategy == .inverse)
  }

  @Test func optionsNoLossTakesAreErrors() {
    var configuration = LossConfiguration(expression: "weighted")
    configuration.gamma = 2
    #expect(throws: LossKitError.self) { try configuration.makeLoss(registry: .standard) }
  }

  @Test func scalarAlphaReachesBinaryFocal() throws {
    var configuration = LossConfiguration(expression: "binary-focal")
    configuration.alpha = [0.4]
    #expect((try configuration.makeLoss(registry: .standard) as? BinaryFocalLoss)?.alpha == 0.4)
  }

  @Test("malformed expressions and unknown names are errors",
        arguments: ["", "0.7*", "*focal", "0.7*focal+", "x*focal", "focall", "composite"])
  func malformed(_ expression: String) {
    #expect(throws: LossKitError.self) {
      try LossConfiguration(expression: expression).makeLoss(registry: .standard)
    }
  }

  @Test func unknownNamesListTheChoices() {
    do {
      _ = try LossConfiguration(expression: "focall").makeLoss(registry: .standard)
    } catch {
      #expect("\(error)".contains("focal-f1") && "\(error)".contains("weighted (= weighted-cross-entropy)"))
    }
  }
}

@Suite struct LossExpressionFuzzRegressionTests {
  // Found by Tests/Fuzz/loss-expression: the loss built, then evaluated to +infinity.
  @Test func aHugeTermWeightIsAnErrorWhenEvaluated() throws {
    let loss = try LossConfiguration(expression: "standard + 2*contrastive + 01e308*contrastive")
      .makeLoss(registry: .standard)
    let logits = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
    #expect(throws: LossKitError.self) {
      try loss(["logits": logits, "embeddings": logits], ["labels": Targets(classIndices: [0, 1])])
    }
  }
}
