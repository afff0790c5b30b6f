using System.Net;
using System.Text.RegularExpressions;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// HTTP against a real Kestrel socket with cookies handled by hand: a cookie marked Secure (the point of some tests)
/// would never be sent back over plain HTTP by a CookieContainer, and each request may claim another client address
/// through X-Forwarded-For.
/// </summary>
internal static partial class RawHttp
{
    /// <summary>A client that neither follows redirects nor keeps cookies.</summary>
    public static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress };

    /// <summary>"name=value; name2=value2" from a response's Set-Cookie headers.</summary>
    public static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", SetCookies(response).Select(c => c.Split(';')[0]));

    /// <summary>The raw Set-Cookie header values.</summary>
    public static IReadOnlyList<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    /// <summary>Signs in through the login form, as a browser behind (or not behind) a proxy would.</summary>
    /// <param name="client">From <see cref="Client"/>.</param>
    /// <param name="userName">User.</param>
    /// <param name="password">Password.</param>
    /// <param name="forwardedFor">X-Forwarded-For to send (the client address a proxy saw), or null.</param>
    /// <param name="forwardedProto">X-Forwarded-Proto to send, or null.</param>
    /// <param name="host">Host header, or null for the socket's.</param>
    /// <param name="returnUrl">Where to go afterwards.</param>
    public static async Task<HttpResponseMessage> SignInAsync(
        HttpClient client, string userName, string password, string? forwardedFor = null, string? forwardedProto = null, string? host = null, string returnUrl = "/")
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/login");
        Decorate(get, forwardedFor, forwardedProto, host, cookie: null);
        using var page = await client.SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);
        var post = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["UserName"] = userName,
                ["Password"] = password,
                ["ReturnUrl"] = returnUrl,
            }),
        };
        Decorate(post, forwardedFor, forwardedProto, host, Cookies(page));
        return await client.SendAsync(post);
    }

    /// <summary>Adds the proxy headers, Host and Cookie to a request.</summary>
    public static void Decorate(HttpRequestMessage request, string? forwardedFor, string? forwardedProto, string? host, string? cookie)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (!string.IsNullOrEmpty(cookie))
        {
            request.Headers.Add("Cookie", cookie);
        }
    }

    /// <summary>The antiforgery token of a rendered page.</summary>
    public static string AntiforgeryToken(string html) => WebUtility.HtmlDecode(AntiforgeryField().Match(html).Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
