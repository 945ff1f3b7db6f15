// Test helpers and port contract suites: @kidsstories/mesh-core/testing.
export {};
