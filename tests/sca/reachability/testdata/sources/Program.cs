global using System.Text;
using Newtonsoft.Json;
using static Serilog.Log;
using Yaml = YamlDotNet.Serialization;
// using Trap.Comment;
/* using Trap.Block; */

namespace Example.App
{
    public class Program
    {
        private const string Text = "using Trap.String;";

        public static void Main()
        {
            var client = new RestSharp.RestClient("https://example.invalid");
            var doc = Newtonsoft.Json.Linq.JObject.Parse("{}");
            using (var stream = new System.IO.MemoryStream()) { }
        }
    }
}
