// Kafka's own Java producer, for tests of what a JVM client writes: `java -cp <kafka libs> Produce.java <brokers> <topic> <compression.type>`
// sends each stdin line "key<TAB>value" to partition 0 of the topic, batched, and exits once every record is acknowledged.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

public class Produce {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("compression.type", args[2]);
    props.put("linger.ms", "100");
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null;) {
        String[] keyValue = line.split("\t", 2);
        producer.send(new ProducerRecord<>(args[1], 0, keyValue[0], keyValue[1]));
      }
      producer.flush();
    }
  }
}
