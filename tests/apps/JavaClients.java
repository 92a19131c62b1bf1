// Test helper for tests/apps/java.sh: fetches http://203.0.113.1/ with java.net.Socket
// ("socket", which honours -DsocksProxyHost) or with java.net.http.HttpClient
// ("httpclient", which does not), and prints the body or the exception.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class JavaClients {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("socket")) {
            try (Socket s = new Socket("203.0.113.1", 80)) {
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes());
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream()));
                String line, last = null;
                while ((line = r.readLine()) != null)
                    last = line;
                System.out.println("socket: " + last);
            }
            return;
        }
        HttpClient c = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://203.0.113.1/")).build();
        try {
            System.out.println("httpclient: " + c.send(req, HttpResponse.BodyHandlers.ofString()).body().trim());
        } catch (IOException e) {
            System.out.println("httpclient: " + e.getClass().getName());
        }
    }
}
