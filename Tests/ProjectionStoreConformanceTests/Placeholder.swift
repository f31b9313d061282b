// ProjectionStoreConformanceTests
