/*
 * rdkafka_ref: the plain-C librdkafka yardstick for `keel bench log`.
 *
 *   rdkafka_ref produce --bootstrap H:P --topic T --count N --size B
 *   rdkafka_ref consume --bootstrap H:P --topic T --count N
 *
 * Producer settings match KafkaEventLog's defaults (idempotent, acks=all, murmur2_random, lz4, linger.ms=5,
 * batch.size=1000000, batch.num.messages=10000); keys are "key-<i % 1000>". The consumer assigns every
 * partition from the beginning and polls until N messages. Prints one JSON line:
 *   {"mode":"produce","count":N,"seconds":S,"rate":R}
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *arg(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return fallback;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdkafka_ref: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

static long delivered, failed;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) failed++; else delivered++;
}

static int produce(const char *bootstrap, const char *topic, long count, long size) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "enable.idempotence", "true");
    set(conf, "acks", "all");
    set(conf, "partitioner", "murmur2_random");
    set(conf, "compression.codec", "lz4");
    set(conf, "linger.ms", "5");
    set(conf, "batch.size", "1000000");
    set(conf, "batch.num.messages", "10000");
    set(conf, "message.timeout.ms", "30000");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "rdkafka_ref: %s\n", err); return 1; }
    char *value = malloc(size > 0 ? size : 1);
    for (long i = 0; i < size; i++) value[i] = (char)('a' + i % 26);
    char key[32];
    double start = now();
    for (long i = 0; i < count;) {
        int klen = snprintf(key, sizeof key, "key-%ld", i % 1000);
        rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)klen),
                                                  RD_KAFKA_V_VALUE(value, (size_t)size),
                                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) { rd_kafka_poll(rk, 1); continue; }
        if (e) { fprintf(stderr, "rdkafka_ref: produce: %s\n", rd_kafka_err2str(e)); return 1; }
        i++;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    double seconds = now() - start;
    if (failed || delivered != count) {
        fprintf(stderr, "rdkafka_ref: %ld delivered, %ld failed\n", delivered, failed);
        return 1;
    }
    printf("{\"mode\":\"produce\",\"count\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", count, seconds, count / seconds);
    rd_kafka_destroy(rk);
    free(value);
    return 0;
}

static int consume(const char *bootstrap, const char *topic, long count) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "enable.auto.commit", "false");
    /* assign() needs no group, but librdkafka >= 2.x reports "Unknown group" on every poll without one. */
    char group[64];
    snprintf(group, sizeof group, "rdkafka-ref-%ld", (long)time(NULL));
    set(conf, "group.id", group);
    set(conf, "enable.partition.eof", "false");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "rdkafka_ref: %s\n", err); return 1; }
    rd_kafka_poll_set_consumer(rk);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt < 1) {
        fprintf(stderr, "rdkafka_ref: no metadata for %s\n", topic);
        return 1;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int p = 0; p < md->topics[0].partition_cnt; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    double start = now();
    rd_kafka_assign(rk, list);
    long got = 0;
    while (got < count) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err) got++;
        else if (getenv("RDKAFKA_REF_DEBUG")) fprintf(stderr, "rdkafka_ref: %s\n", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    double seconds = now() - start;
    printf("{\"mode\":\"consume\",\"count\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", count, seconds, count / seconds);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) goto usage;
    const char *bootstrap = arg(argc, argv, "--bootstrap", NULL);
    const char *topic = arg(argc, argv, "--topic", NULL);
    long count = atol(arg(argc, argv, "--count", "1000000"));
    long size = atol(arg(argc, argv, "--size", "200"));
    if (!bootstrap || !topic || count <= 0) goto usage;
    if (!strcmp(argv[1], "produce")) return produce(bootstrap, topic, count, size);
    if (!strcmp(argv[1], "consume")) return consume(bootstrap, topic, count);
usage:
    fprintf(stderr, "usage: rdkafka_ref produce|consume --bootstrap H:P --topic T --count N [--size B]\n");
    return 2;
}
