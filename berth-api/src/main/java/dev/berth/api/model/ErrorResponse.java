package dev.berth.api.model;

/** The body of every failed API call: {@code {"error":{"code":"...","message":"..."}}}. */
public record ErrorResponse(Detail error) {
    public record Detail(String code, String message) {}

    public static ErrorResponse of(ErrorCode code, String message) {
        return new ErrorResponse(new Detail(code.code(), message));
    }
}
