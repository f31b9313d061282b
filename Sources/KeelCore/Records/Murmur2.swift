/// Kafka's default key partitioner: `toPositive(murmur2(key)) % partitions`.
///
/// Bit-for-bit the algorithm of Kafka's Java client (`Utils.murmur2`, seed 0x9747b28c) and of
/// librdkafka's `murmur2_random` partitioner, so the embedded log and Kafka put every key in the
/// same partition.
public enum KafkaPartitioner {
    public static func murmur2(_ data: some Collection<UInt8>) -> Int32 {
        let bytes = Array(data)
        let length = bytes.count
        let seed: UInt32 = 0x9747_b28c
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = seed ^ UInt32(truncatingIfNeeded: length)
        let fourBytes = length / 4
        for i in 0..<fourBytes {
            let i4 = i * 4
            var k = UInt32(bytes[i4]) | UInt32(bytes[i4 + 1]) << 8 | UInt32(bytes[i4 + 2]) << 16 | UInt32(bytes[i4 + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = fourBytes * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            fallthrough
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            fallthrough
        case 1:
            h ^= UInt32(bytes[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition Kafka's default partitioner assigns to `key` among `partitions`.
    public static func partition(forKey key: some Collection<UInt8>, partitions: Int32) -> Int32 {
        precondition(partitions > 0, "a topic has at least one partition")
        let positive = murmur2(key) & 0x7fff_ffff
        return positive % partitions
    }
}
