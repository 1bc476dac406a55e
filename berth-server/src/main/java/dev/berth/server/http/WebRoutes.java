package dev.berth.server.http;

import dev.berth.server.identity.Access;
import dev.berth.server.identity.Principal;
import dev.berth.server.web.WebLogin;
import java.util.List;

/** {@code /v1/web/login} and {@code /v1/web/logout}: the console's cookie sign-in (see {@link WebLogin}). */
public final class WebRoutes {
    private final WebLogin login;

    public WebRoutes(WebLogin login) {
        this.login = login;
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
                }));
    }
}
