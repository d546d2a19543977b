package io.chute.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusRendererTest {

    static final String STATUS = """
            {"startedAt": "2026-11-23T00:00:00Z", "now": "2026-11-23T01:00:00Z",
             "rules": [
               {"name": "inbox", "folder": "/data/inbox", "bucket": "my-bucket", "prefix": "in/", "ready": true,
                "pausedReason": null, "uploaded": 12, "bytesUploaded": 1500000000, "failed": 1, "quarantined": 0},
               {"name": "archive", "folder": "/data/archive", "bucket": "gone-bucket", "prefix": "", "ready": false,
                "pausedReason": "no_such_bucket: The specified bucket does not exist", "uploaded": 0,
                "bytesUploaded": 0, "failed": 3, "quarantined": 1}],
             "inFlight": [
               {"rule": "inbox", "path": "/data/inbox/big.bin", "bucket": "my-bucket", "key": "in/big.bin",
                "bytesDone": 45000000, "bytesTotal": 100000000, "partsDone": 9, "partsTotal": 20,
                "bytesPerSecond": 12300000.0, "etaSeconds": 5, "startedAt": "2026-11-23T00:59:56Z"}],
             "waiting": [
               {"rule": "inbox", "path": "/data/inbox/new.csv", "state": "STABILIZING",
                "since": "2026-11-23T00:59:58Z", "detail": "unchanged for 2s of the 5s quiet period"},
               {"rule": "inbox", "path": "/data/inbox/next.bin", "state": "QUEUED", "since": "2026-11-23T00:59:00Z",
                "detail": "position 1 of 1"}],
             "recent": [
               {"rule": "inbox", "path": "/data/inbox/a.bin", "bucket": "my-bucket", "key": "in/a.bin",
                "bytes": 2500000, "finishedAt": "2026-11-23T00:58:00Z", "outcome": "RESUMED"}]}
            """;

    @Test
    void rendersRulesUploadsWaitingFilesAndRecentCompletions() throws Exception {
        String text = StatusRenderer.render(new ObjectMapper().readTree(STATUS));

        assertThat(text).contains(
                "Chute daemon, started 2026-11-23T00:00:00Z (1h00m ago)",
                "Rules (2)",
                "  inbox            ready   /data/inbox -> s3://my-bucket/in/",
                "12 uploaded (1.5 GB), 1 failed, 0 quarantined",
                "  archive          PAUSED  /data/archive -> s3://gone-bucket/",
                "paused: no_such_bucket: The specified bucket does not exist",
                "Uploading (1)",
                "  inbox            /data/inbox/big.bin -> s3://my-bucket/in/big.bin",
                " 45% 45.0 MB / 100 MB, part 9 of 20, 12.3 MB/s, ETA 5s",
                "Waiting (2)",
                "  inbox            STABILIZING /data/inbox/new.csv (2s ago)",
                "unchanged for 2s of the 5s quiet period",
                "  inbox            QUEUED      /data/inbox/next.bin (1m00s ago)",
                "position 1 of 1",
                "Recent (1)",
                "  inbox            RESUMED     /data/inbox/a.bin -> s3://my-bucket/in/a.bin, 2.5 MB (2m00s ago)");
    }

    @Test
    void aLongWaitingList_saysHowManyFilesWaitInAll_andHowManyAreShown() throws Exception {
        String text = StatusRenderer.render(new ObjectMapper().readTree("""
                {"now": "2026-11-23T01:00:00Z",
                 "waiting": [{"rule": "inbox", "path": "/data/inbox/q1.bin", "state": "QUEUED",
                              "detail": "queued at position 1 of 100000"}],
                 "waitingCounts": {"STABILIZING": 0, "QUEUED": 100000, "RETRYING": 3, "QUARANTINED": 0},
                 "recent": [{"rule": "inbox", "path": "/data/inbox/a.bin", "bucket": "b", "key": "a.bin",
                             "bytes": 10, "outcome": "UPLOADED", "verifiedBy": "put-response-crc32c"}]}
                """));

        assertThat(text).contains("Waiting (100003, 1 shown: 0 STABILIZING 100000 QUEUED 3 RETRYING 0 QUARANTINED)",
                "queued at position 1 of 100000",
                "  inbox            UPLOADED    /data/inbox/a.bin -> s3://b/a.bin, 10 B, verified by put-response-crc32c");
    }

    @Test
    void missingAndNullFields_renderAsUnknown_notAsAnError() throws Exception {
        String text = StatusRenderer.render(new ObjectMapper().readTree("""
                {"inFlight": [{"path": "/x/y.bin", "bytesDone": 10, "bytesTotal": null, "etaSeconds": null}],
                 "waiting": null, "futureField": {"a": 1}}
                """));

        assertThat(text).contains("Chute daemon, started ?", "Rules (0): none", "Uploading (1)",
                "  ?                /x/y.bin -> s3://?/?", "  ?% 10 B / ?, ETA ?", "Waiting (0): none",
                "Recent (0): none");
    }
}
