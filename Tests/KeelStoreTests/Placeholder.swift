// KeelStoreTests
