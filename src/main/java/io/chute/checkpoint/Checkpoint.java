package io.chute.checkpoint;

import io.chute.multipart.CompletedPart;

import java.util.Map;

/** A loaded sidecar: its header and the parts its journal recorded (torn tail ignored). */
public record Checkpoint(SidecarHeader header, Map<Integer, CompletedPart> parts) {
    public Checkpoint {
        parts = Map.copyOf(parts);
    }
}
