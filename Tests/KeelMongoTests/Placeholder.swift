// KeelMongoTests
