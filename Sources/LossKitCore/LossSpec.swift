/// A loss as data: its registry name, the version of its parameters, and the parameters.
///
/// This is what a saved model stores. A ``LossRegistry`` turns a spec back into a loss;
/// composite losses store their terms' specs nested inside their parameters.
///
/// ```json
/// {"name": "focal", "version": 1, "parameters": {"gamma": 2, "alpha": null, …}}
/// ```
public struct LossSpec: Sendable, Codable, Equatable {
  /// The registry name, such as `"focal"`.
  public var name: String
  /// The parameters' version when saved.
  public var version: Int
  /// Every parameter of the loss, as the loss type encodes itself.
  public var parameters: JSONValue

  /// Creates a spec from its parts.
  public init(name: String, version: Int, parameters: JSONValue) {
    self.name = name
    self.version = version
    self.parameters = parameters
  }

  /// The spec of a loss value: its type's name and version and its encoded parameters.
  public init(_ loss: some Loss) throws {
    self.init(
      name: loss.registryName, version: loss.registryVersion,
      parameters: try JSONValue(encoding: loss))
  }
}
