package com.example.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.io.*;
import static org.junit.Assert.assertEquals;
import java.util.List;
// import trap.comment.Thing;
/* import trap.block.Thing; */

public class App {
    private final String text = "import trap.string.Thing;";
    private com.google.gson.Gson gson = new com.google.gson.Gson();

    @org.springframework.stereotype.Component
    static class Inner {}

    void run(List<String> items) {
        org.slf4j.LoggerFactory.getLogger(App.class).info("x");
        okhttp3.OkHttpClient client = null;
        items.size();
    }
}
