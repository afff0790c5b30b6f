using System.Net;
using System.Net.Sockets;

namespace Conciergus.Dashboard.Tests.Endpoints;

/// <summary>Ports for servers a test starts itself (a child dashboard, Prometheus, redis, a recording proxy).</summary>
internal static class LoopbackPort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago (the OS picks it; the caller binds it next).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
