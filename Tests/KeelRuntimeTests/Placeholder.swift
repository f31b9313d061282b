// KeelRuntimeTests
