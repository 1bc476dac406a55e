package dev.berth.api.model;

/** A terminal's size in character cells: a command started on a terminal, or a resize of one. */
public record Tty(Integer rows, Integer cols) {}
