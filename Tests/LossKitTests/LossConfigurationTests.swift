import LossKit
import Testing

@Suite struct LossConfigurationTests {
  @Test func aSingleNameBuildsThatLoss() throws {
    let configuration = LossConfiguration(expression: "focal", options: ["gamma": 3])
    let loss = try configuration.makeLoss(registry: .standard)
    #expect((loss as? FocalLoss)?.gamma == 3)
  }

  @Test func compositesApplyEachOptionWhereItFits() throws {
    let configuration = LossConfiguration(
      expression: "0.5*focal + 0.5*focal-f1",
      options: ["gamma": 1, "focalLabels": ["Nomenclature", "Description"]])
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
    let configuration = LossConfiguration(
      expression: "focal-f1",
      options: ["focalLabels": ["Nomenclature"], "classWeights": ["Nomenclature": 100, "Misc": 0.1]])
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
    let configuration = LossConfiguration(
      expression: "0.5*focal-f1+0.5*weighted",
      options: ["focalLabels": ["Nomenclature"], "strategy": "inverse"])
    let loss = try #require(configuration.makeLoss(registry: .standard) as? CompositeLoss)
    #expect((loss.terms[1].loss as? WeightedCrossEntropyLoss)?.strategy == .inverse)
  }

  @Test func optionsNoLossTakesAreErrors() {
    let configuration = LossConfiguration(expression: "weighted", options: ["gamma": 2])
    #expect(throws: LossKitError.self) { try configuration.makeLoss(registry: .standard) }
  }

  @Test func scalarAlphaReachesBinaryFocal() throws {
    let configuration = LossConfiguration(expression: "binary-focal", options: ["alpha": [0.4]])
    #expect((try configuration.makeLoss(registry: .standard) as? BinaryFocalLoss)?.alpha == 0.4)
  }

  @Test("malformed expressions and unknown names are errors",
        arguments: [
          "", "0.7*", "*focal", "0.7*focal+", "x*focal", "focall", "composite", "focal(",
          "focal(gamma)", "focal(gamma=2", "focal(gamma=2,gamma=3)", "focal(gamma=x)",
          "2", "focal()()", "focal(alpha=[1,2)", "0.5*0.5*focal",
        ])
  func malformed(_ expression: String) {
    #expect(throws: LossKitError.self) {
      try LossConfiguration(expression: expression).makeLoss(registry: .standard)
    }
  }

  @Test func unknownNamesListTheChoices() {
    do {
      _ = try LossConfiguration(expression: "focall").makeLoss(registry: .standard)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("focal-f1") && "\(error)".contains("weighted (= weighted-cross-entropy)"))
      #expect("\(error)".contains("--plugin") && "\(error)".contains("--foreign"))
    }
  }

  @Test("a term's own parameters win over shorthand options")
  func perTermParameters() throws {
    let configuration = LossConfiguration(
      expression: "0.7*focal(gamma=1.5, label-smoothing=0.1)+0.3*focal",
      options: ["gamma": 3])
    let loss = try #require(configuration.makeLoss(registry: .standard) as? CompositeLoss)
    let first = try #require(loss.terms[0].loss as? FocalLoss)
    #expect(first.gamma == 1.5 && first.labelSmoothing == 0.1)
    #expect((loss.terms[1].loss as? FocalLoss)?.gamma == 3)
  }

  @Test("term parameters are typed by the loss: lists, strategies, strings, scalars")
  func typedParameters() throws {
    let loss = try LossConfiguration(
      expression: "focal-f1(focalLabels=[Nomenclature, \"Misc exposition\"])+focal(alpha=0.25)"
        + "+weighted(strategy=effective-number:0.99)"
    ).makeLoss(registry: .standard)
    let terms = try #require(loss as? CompositeLoss).terms
    #expect((terms[0].loss as? FocalF1Loss)?.focalLabels == ["Nomenclature", "Misc exposition"])
    #expect((terms[1].loss as? FocalLoss)?.alpha == [0.25])
    #expect((terms[2].loss as? WeightedCrossEntropyLoss)?.strategy == .effectiveNumber(beta: 0.99))
  }

  @Test("a parameter the loss lacks names the loss and lists its parameters")
  func unknownTermParameter() {
    do {
      _ = try LossConfiguration(expression: "supcon(gamma=2)").makeLoss(registry: .standard)
      Issue.record("expected an error")
    } catch {
      #expect(
        error as? LossKitError
          == .unknownParameter(.loss, "supcon", parameter: "gamma", known: ["output", "target", "temperature"]))
    }
  }

  @Test("with heads, a term without a target is averaged over them; target= picks one")
  func headsExpansion() throws {
    let heads = [
      LossConfiguration.Head(target: "kind", output: "logits_kind"),
      LossConfiguration.Head(target: "section", output: "logits_section"),
    ]
    let loss = try LossConfiguration(
      expression: "0.7*focal+0.3*supcon(target=section)", options: ["strategy": "balanced"]
    ).makeLoss(registry: .standard, heads: heads)
    let terms = try #require(loss as? CompositeLoss).terms
    #expect(terms.map(\.weight) == [0.35, 0.35, 0.3])
    let focal = terms.prefix(2).compactMap { $0.loss as? FocalLoss }
    #expect(focal.map(\.output) == ["logits_kind", "logits_section"])
    #expect(focal.map(\.target) == ["kind", "section"])
    #expect(focal.allSatisfy { $0.strategy == .balanced })
    let supcon = try #require(terms[2].loss as? SupervisedContrastiveLoss)
    #expect(supcon.output == "embeddings" && supcon.target == "section")
    #expect(throws: LossKitError.self) {
      try LossConfiguration(expression: "supcon(target=aspect)").makeLoss(registry: .standard, heads: heads)
    }
  }

  @Test("weights and numbers in exponent form parse; whitespace is ignored")
  func numbers() throws {
    let loss = try LossConfiguration(expression: " 1e-1 * focal ( gamma = 2.5e+0 ) + 9e-1*ce ")
      .makeLoss(registry: .standard)
    let terms = try #require(loss as? CompositeLoss).terms
    #expect(terms.map(\.weight) == [0.1, 0.9])
    #expect((terms[0].loss as? FocalLoss)?.gamma == 2.5)
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

  // Found by Tests/Fuzz/loss-expression in CI: a per-term α of 6.7e59 evaluated to +infinity.
  @Test func aHugeClassWeightIsAnError() throws {
    let logits = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
    #expect(throws: LossKitError.self) {
      let loss = try LossConfiguration(
        expression: "focal(alpha=0666666666666666666666666666666666666666666666666666666666660)"
      ).makeLoss(registry: .standard)
      _ = try loss(["logits": logits], ["labels": Targets(classIndices: [0, 1])])
    }
    #expect(throws: LossKitError.self) { try WeightedCrossEntropyLoss(weights: [1, 2e6]) }
  }
}
