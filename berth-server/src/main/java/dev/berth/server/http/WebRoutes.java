package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.Principal;
import dev.berth.server.web.OidcWebLogin;
import dev.berth.server.web.WebLogin;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The console's sign-in, all before a caller is known: {@code /v1/web/login} and {@code logout}
 * (the cookie, see {@link WebLogin}), {@code /v1/web/config} (what the login page offers) and the
 * OIDC login's two steps ({@link OidcWebLogin}), when the server has one.
 */
public final class WebRoutes {
    private final WebLogin login;
    private final Optional<OidcWebLogin> oidc;
    private final Map<String, Object> config;

    public WebRoutes(WebLogin login, Optional<OidcWebLogin> oidc) {
        this.login = login;
        this.oidc = oidc;
        this.config = Map.of("oidcLogin", oidc.isPresent());
    }

    public List<Route> routes() {
        return List.of(
                // audited by WebLogin itself: the principal is only known once the token is checked
                Route.of("POST", "/v1/web/login", Access.NONE, x -> {
                    WebLogin.LoginRequest body = x.body(WebLogin.LoginRequest.class, null);
                    Principal p = login.login(body, x.request, x.response, x.source());
                    x.json(200, TokenRoutes.whoAmI(p));
                }),
                Route.of("POST", "/v1/web/logout", Access.NONE, x -> {
                    login.logout(x.request, x.response);
                    x.json(204, null);
                }),
                Route.of("GET", "/v1/web/config", Access.NONE, x -> {
                    x.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                    x.json(200, config);
                }),
                Route.of("GET", "/v1/web/oidc/login", Access.NONE, x -> oidc().login(x.request, x.response)),
                Route.of("GET", "/v1/web/oidc/callback", Access.NONE, x -> oidc().callback(x.request, x.response)));
    }

    private OidcWebLogin oidc() {
        return oidc.orElseThrow(() -> new ApiException(ErrorCode.ROUTE_NOT_FOUND,
                "this server offers no OIDC login (serve --oidc-web-client-id)"));
    }
}
