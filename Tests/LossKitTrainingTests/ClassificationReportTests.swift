import Foundation
import LossKitTraining
import Testing

@Suite struct ClassificationReportTests {
  /// Three rows per class; rows 2 and 5 are misclassified.
  let probabilities: [Float] = [
    0.8, 0.1, 0.1,  0.7, 0.2, 0.1,  0.2, 0.7, 0.1,
    0.1, 0.8, 0.1,  0.2, 0.6, 0.2,  0.1, 0.2, 0.7,
    0.1, 0.1, 0.8,  0.2, 0.1, 0.7,  0.1, 0.3, 0.6,
  ]
  let labels: [Int32] = [0, 0, 0, 1, 1, 1, 2, 2, 2]

  @Test func precisionRecallF1AndConfusion() {
    let report = ClassificationReport(probabilities: probabilities, labels: labels, labelNames: ["a", "b", "c"])
    #expect(report.confusion == [[2, 1, 0], [0, 2, 1], [0, 0, 3]])
    #expect(abs(report.classes[0].precision - 1) < 1e-12)
    #expect(abs(report.classes[0].recall - 2.0 / 3) < 1e-12)
    #expect(abs(report.classes[2].precision - 0.75) < 1e-12)
    #expect(abs(report.classes[2].f1 - 2 * 0.75 / 1.75) < 1e-12)
    #expect(abs(report.accuracy - 7.0 / 9) < 1e-12)
    let dictionary = report.dictionary
    #expect(dictionary["a_f1"] == report.classes[0].f1 && dictionary["macro_f1"] == report.macroF1)
    #expect(dictionary["b_support"] == 3)
  }

  @Test func rankingMetrics() {
    let perfect = ClassificationReport(
      probabilities: [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.1, 0.9], labels: [0, 0, 1, 1], labelNames: ["a", "b"])
    #expect(perfect.classes[0].rocAUC == 1 && perfect.classes[0].prAUC == 1)
    #expect(perfect.classes[0].recallAtFalsePositiveBound == 1)
    let reversed = ClassificationReport(
      probabilities: [0.1, 0.9, 0.2, 0.8, 0.7, 0.3, 0.9, 0.1], labels: [0, 0, 1, 1], labelNames: ["a", "b"])
    #expect(reversed.classes[0].rocAUC == 0)
    let single = ClassificationReport(probabilities: [0.5, 0.5], labels: [0], labelNames: ["a", "b"])
    #expect(single.classes[0].rocAUC == nil)
  }

  @Test func calibrationErrorOfAPerfectlyCalibratedSet() {
    // Confidence 0.75 and three of four right: calibration error 0.
    let report = ClassificationReport(
      probabilities: [0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25], labels: [0, 0, 0, 1], labelNames: ["a", "b"])
    #expect(report.expectedCalibrationError < 1e-9)
  }

  @Test("ignored rows are skipped")
  func ignoredRows() {
    let report = ClassificationReport(probabilities: [0.9, 0.1, 0.1, 0.9], labels: [0, -100], labelNames: ["a", "b"])
    #expect(report.confusion == [[1, 0], [0, 0]])
  }

  @Test("temperature scaling recovers the temperature that sharpened the probabilities")
  func temperatureScaling() {
    var probabilities: [Float] = []
    var labels: [Int32] = []
    for row in 0..<400 {
      let margin = Double(row % 20) / 10 - 1  // true log-odds in [-1, 1)
      let p = 1 / (1 + exp(-margin))
      labels.append(Double((row * 7919) % 1000) / 1000 < p ? 0 : 1)
      let sharpened = 1 / (1 + exp(-margin * 3))  // over-confident by a factor of 3
      probabilities += [Float(sharpened), Float(1 - sharpened)]
    }
    let scaling = TemperatureScaling.fit(probabilities: probabilities, labels: labels, classes: 2)
    #expect(scaling.temperature > 2 && scaling.temperature < 4.5)
    let softened = scaling.apply(probabilities, classes: 2)
    #expect(abs(softened[0] + softened[1] - 1) < 1e-5)
  }
}
