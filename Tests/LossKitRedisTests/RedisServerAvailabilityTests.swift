import Testing

@Suite struct RedisServerAvailabilityTests {
  @Test func redisServerIsThereWhenTheRunRequiresIt() {
    #expect(!RedisServer.required || RedisServer.executable != nil, RedisServer.missing)
  }
}
